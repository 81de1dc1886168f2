#include "clip/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "clip/ops-avx512.h"
#include "core/cpu.h"
#include "core/dtype.h"

namespace ants::clip {

namespace {

inline void store(void* y, int64_t i, float v, DType t) {
  if (t == DType::bf16) {
    static_cast<uint16_t*>(y)[i] = core::f32_to_bf16(v);
  } else {
    static_cast<float*>(y)[i] = v;
  }
}

}  // namespace

void layer_norm(const float* x, int rows, int width, const float* g, const float* b, float eps, void* y,
                DType y_type) {
  if (core::cpu_has_avx512()) return avx512::layer_norm(x, rows, width, g, b, eps, y, y_type == DType::bf16);
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<int64_t>(r) * width;
    float mean = 0.f;
    for (int i = 0; i < width; ++i) mean += xr[i];
    mean /= static_cast<float>(width);
    float var = 0.f;
    for (int i = 0; i < width; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    const float inv = 1.f / std::sqrt(var / static_cast<float>(width) + eps);
    const int64_t base = static_cast<int64_t>(r) * width;
    if (y_type == DType::f32) {
      float* yr = static_cast<float*>(y) + base;
      for (int i = 0; i < width; ++i) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
    } else {
      uint16_t* yr = static_cast<uint16_t*>(y) + base;
      for (int i = 0; i < width; ++i) yr[i] = core::f32_to_bf16((xr[i] - mean) * inv * g[i] + b[i]);
    }
  }
}

void softmax_rows(const float* scores, int n_mats, int rows, int cols, bool causal, void* out, DType out_type) {
  if (core::cpu_has_avx512()) return avx512::softmax_rows(scores, n_mats, rows, cols, causal, out, out_type == DType::bf16);
  const int64_t total = static_cast<int64_t>(n_mats) * rows;
#pragma omp parallel
  {
    std::vector<float> tmp(static_cast<size_t>(cols));
#pragma omp for schedule(static)
    for (int64_t idx = 0; idx < total; ++idx) {
      const int r = static_cast<int>(idx % rows);
      const int valid = causal ? std::min(r + 1, cols) : cols;
      const float* s = scores + idx * cols;
      float mx = s[0];
      for (int j = 1; j < valid; ++j) mx = std::max(mx, s[j]);
      double sum = 0.0;  // a float sum over ~200 columns drifts past 1e-6 relative
      for (int j = 0; j < valid; ++j) {
        tmp[j] = std::exp(s[j] - mx);
        sum += tmp[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      const int64_t base = idx * cols;
      for (int j = 0; j < valid; ++j) store(out, base + j, tmp[j] * inv, out_type);
      for (int j = valid; j < cols; ++j) store(out, base + j, 0.f, out_type);
    }
  }
}

void split_heads(const void* qkv, int batch, int tokens, int width, int heads, DType t, void* q, void* k, void* v) {
  const int dh = width / heads;
  const size_t es = dtype_bytes(t);
  const auto* src = static_cast<const uint8_t*>(qkv);
  uint8_t* dst[3] = {static_cast<uint8_t*>(q), static_cast<uint8_t*>(k), static_cast<uint8_t*>(v)};
#pragma omp parallel for collapse(2) schedule(static)
  for (int bt = 0; bt < batch * tokens; ++bt) {
    for (int h = 0; h < heads; ++h) {
      const int b = bt / tokens, tok = bt % tokens;
      const int64_t out_row = (static_cast<int64_t>(b) * heads + h) * tokens + tok;
      for (int part = 0; part < 3; ++part) {
        const uint8_t* from = src + (static_cast<int64_t>(bt) * 3 * width + part * width + h * dh) * es;
        std::memcpy(dst[part] + out_row * dh * es, from, dh * es);
      }
    }
  }
}

void convert_f32(const float* x, int64_t n, void* y, DType y_type) {
  if (y_type == DType::f32) {
    std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  auto* out = static_cast<uint16_t*>(y);
  if (core::cpu_has_avx512()) return avx512::to_bf16(x, n, out);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) out[i] = core::f32_to_bf16(x[i]);
}

void l2_normalize_rows(float* x, int rows, int width) {
  for (int r = 0; r < rows; ++r) {
    float* xr = x + static_cast<int64_t>(r) * width;
    double ss = 0.0;
    for (int i = 0; i < width; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    if (ss > 0.0) {
      const float inv = static_cast<float>(1.0 / std::sqrt(ss));
      for (int i = 0; i < width; ++i) xr[i] *= inv;
    }
  }
}

}  // namespace ants::clip
