// AVX-512 versions of the row kernels in ops.cpp (softmax, layer norm, bf16 conversion), which
// the baseline x86-64 build would otherwise run scalar. ops.cpp calls them only when the CPU
// and OS support AVX-512 F/BW/DQ/VL. This file deliberately uses no std:: templates: an inline
// template instantiated here would carry AVX-512 code and could be the copy the linker keeps
// for the whole library.
#if !defined(__clang__)
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma")
// GCC 12 warns inside its own avx512fintrin.h (the _mm512_undefined_* placeholders of the
// masked intrinsics); nothing here reads an uninitialised value.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>

#include <cstdint>

#include "clip/ops-avx512.h"

// clang (the fuzz build) has no `#pragma GCC target`; it takes the same target per function.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))), apply_to = function)
#endif

namespace ants::clip::avx512 {

namespace {

__mmask16 tail_mask(int remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << remaining) - 1u);
}

// exp(x) to about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2, Cephes' expf polynomial for e^r, then
// scale by 2^n with vscalefps (which also gives 0 for very negative x).
__m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.f)), _mm512_set1_ps(88.72283f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.f));
  return _mm512_scalef_ps(y, n);
}

// Round to nearest even, as core::f32_to_bf16 (inputs here are finite).
__m256i to_bf16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16));
}

void store(void* y, int64_t i, __m512 v, __mmask16 m, bool bf16) {
  if (bf16) {
    _mm256_mask_storeu_epi16(static_cast<uint16_t*>(y) + i, m, to_bf16(v));
  } else {
    _mm512_mask_storeu_ps(static_cast<float*>(y) + i, m, v);
  }
}

void softmax_row(const float* s, int valid, int cols, float* tmp, void* out, int64_t base, bool bf16) {
  __m512 mx = _mm512_set1_ps(-__builtin_inff());
  for (int j = 0; j < valid; j += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(mx, tail_mask(valid - j), s + j));
  const __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  __m512 sum = _mm512_setzero_ps();
  for (int j = 0; j < valid; j += 16) {
    const __mmask16 m = tail_mask(valid - j);
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), vmax));
    sum = _mm512_mask_add_ps(sum, m, sum, e);
    _mm512_mask_storeu_ps(tmp + j, m, e);
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
  for (int j = 0; j < valid; j += 16) {
    const __mmask16 m = tail_mask(valid - j);
    store(out, base + j, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, tmp + j), inv), m, bf16);
  }
  for (int j = valid; j < cols; j += 16) store(out, base + j, _mm512_setzero_ps(), tail_mask(cols - j), bf16);
}

}  // namespace

void softmax_rows(const float* scores, int n_mats, int rows, int cols, bool causal, void* out, bool bf16) {
  const int64_t total = static_cast<int64_t>(n_mats) * rows;
#pragma omp parallel
  {
    float* tmp = static_cast<float*>(_mm_malloc(sizeof(float) * (static_cast<size_t>(cols) + 16), 64));
#pragma omp for schedule(static)
    for (int64_t idx = 0; idx < total; ++idx) {
      const int r = static_cast<int>(idx % rows);
      const int valid = causal && r + 1 < cols ? r + 1 : cols;
      softmax_row(scores + idx * cols, valid, cols, tmp, out, idx * cols, bf16);
    }
    _mm_free(tmp);
  }
}

void layer_norm(const float* x, int rows, int width, const float* g, const float* b, float eps, void* y, bool bf16) {
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<int64_t>(r) * width;
    __m512 acc = _mm512_setzero_ps();
    for (int i = 0; i < width; i += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(tail_mask(width - i), xr + i));
    const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(acc) / static_cast<float>(width));
    __m512 sq = _mm512_setzero_ps();
    for (int i = 0; i < width; i += 16) {
      const __mmask16 m = tail_mask(width - i);
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, xr + i), mean);
      sq = _mm512_fmadd_ps(d, d, sq);
    }
    const float var = _mm512_reduce_add_ps(sq) / static_cast<float>(width);
    const __m512 inv = _mm512_set1_ps(1.f / __builtin_sqrtf(var + eps));
    const int64_t base = static_cast<int64_t>(r) * width;
    for (int i = 0; i < width; i += 16) {
      const __mmask16 m = tail_mask(width - i);
      const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + i), mean), inv);
      store(y, base + i, _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, g + i), _mm512_maskz_loadu_ps(m, b + i)), m, bf16);
    }
  }
}

void to_bf16(const float* x, int64_t n, uint16_t* y) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = tail_mask(left >= 16 ? 16 : static_cast<int>(left));
    store(y, i, _mm512_maskz_loadu_ps(m, x + i), m, true);
  }
}

}  // namespace ants::clip::avx512

#if defined(__clang__)
#pragma clang attribute pop
#endif
