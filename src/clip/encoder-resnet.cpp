// The ModifiedResNet vision tower of OpenAI's CLIP RN50 family (open_clip's modified_resnet.py):
// a three-convolution stem with an average pool, four stages of bottlenecks whose strided blocks
// average-pool instead of striding, and a one-query attention pool. Activations are NHWC float32,
// so a stage's output [n, h, w, C] is already the attention pool's [n, tokens, C].
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "clip/encoder.h"
#include "clip/ops.h"

namespace ants::clip {

namespace {

// Largest activation (floats per image) any buffer holds, walking the shapes as the pass does.
int64_t max_activation(const ResNetWeights& r, int size) {
  int h = size;
  int64_t most = 3LL * h * h;
  for (const auto& c : r.stem) {
    h = c.out_size(h);
    most = std::max(most, static_cast<int64_t>(h) * h * c.out());
  }
  h /= 2;
  for (const ResNetBlock& b : r.blocks) {
    most = std::max(most, static_cast<int64_t>(h) * h * std::max(b.conv1.out(), b.conv2.out()));
    h /= b.stride;
    most = std::max(most, static_cast<int64_t>(h) * h * b.conv3.out());
  }
  return most;
}

// x[n, T, C] -> out[n, C]: every head's attention of token 0 over all T tokens.
// q: [n, C] (token 0 only), kv: [n * T, 2C] rows k | v.
void attend_first_token(const float* q, const float* kv, int n, int tokens, int channels, int heads, float* out) {
  const int dh = channels / heads;
  const float scale = 1.f / std::sqrt(static_cast<float>(dh));
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < n; ++b) {
    for (int h = 0; h < heads; ++h) {
      std::vector<float> p(static_cast<size_t>(tokens));
      const float* qh = q + static_cast<int64_t>(b) * channels + h * dh;
      float top = -INFINITY;
      for (int t = 0; t < tokens; ++t) {
        const float* k = kv + (static_cast<int64_t>(b) * tokens + t) * 2 * channels + h * dh;
        float dot = 0.f;
        for (int i = 0; i < dh; ++i) dot += qh[i] * k[i];
        p[static_cast<size_t>(t)] = dot * scale;
        top = std::max(top, p[static_cast<size_t>(t)]);
      }
      double sum = 0;
      for (float& x : p) sum += (x = std::exp(x - top));
      float* o = out + static_cast<int64_t>(b) * channels + h * dh;
      std::fill(o, o + dh, 0.f);
      for (int t = 0; t < tokens; ++t) {
        const float* v = kv + (static_cast<int64_t>(b) * tokens + t) * 2 * channels + channels + h * dh;
        const float w = static_cast<float>(p[static_cast<size_t>(t)] / sum);
        for (int i = 0; i < dh; ++i) o[i] += w * v[i];
      }
    }
  }
}

}  // namespace

void Encoder::encode_resnet(const float* pixels, int n, float* out) {
  const ResNetWeights& r = *w_.vision.resnet;
  const int S = w_.info.image_size;
  const int64_t cap = static_cast<int64_t>(n) * max_activation(r, S);
  float* buf[5];
  for (int i = 0; i < 5; ++i) buf[i] = static_cast<float*>(scratch(static_cast<Slot>(kRes0 + i), cap, DType::f32));
  float *x = buf[0], *a = buf[1], *b = buf[2], *pooled = buf[3], *shortcut = buf[4];
  // Planar CHW pixels -> NHWC.
  const int64_t plane = static_cast<int64_t>(S) * S;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n * plane; ++i) {
    const int64_t img = i / plane, at = i % plane;
    for (int c = 0; c < 3; ++c) x[i * 3 + c] = pixels[(img * 3 + c) * plane + at];
  }
  int h = S;
  for (const auto& conv : r.stem) {
    conv.forward(ctx_, x, n, h, h, a, /*relu=*/true);
    h = conv.out_size(h);
    std::swap(x, a);
  }
  linalg::avg_pool(ctx_, x, n, h, h, r.stem[2].out(), 2, a);
  std::swap(x, a);
  h /= 2;
  for (const ResNetBlock& blk : r.blocks) {
    const int oh = h / blk.stride;
    float* sum = x;  // the shortcut is x itself unless the block has a downsample
    if (blk.down.in() > 0) {
      const float* src = x;
      if (blk.stride > 1) {
        linalg::avg_pool(ctx_, x, n, h, h, blk.conv1.in(), blk.stride, pooled);
        src = pooled;
      }
      blk.down.forward(ctx_, src, n, oh, oh, shortcut, /*relu=*/false);
      sum = shortcut;
    }
    blk.conv1.forward(ctx_, x, n, h, h, a, true);
    blk.conv2.forward(ctx_, a, n, h, h, b, true);
    const float* mid = b;
    if (blk.stride > 1) {
      linalg::avg_pool(ctx_, b, n, h, h, blk.conv2.out(), blk.stride, a);
      mid = a;
    }
    blk.conv3.forward(ctx_, mid, n, oh, oh, sum, /*relu=*/true, /*accumulate=*/true);
    if (sum != x) std::swap(x, shortcut);
    h = oh;
  }
  attention_pool(x, n, h * h, out);
}

void Encoder::attention_pool(const float* x, int n, int cells, float* out) {
  const ResNetWeights& r = *w_.vision.resnet;
  const int C = r.q.in(), T = cells + 1;
  // Tokens: the mean of the cells, then the cells; plus the position embedding.
  std::vector<float> tokens(static_cast<size_t>(n) * T * C);
#pragma omp parallel for schedule(static)
  for (int b = 0; b < n; ++b) {
    const float* cell = x + static_cast<int64_t>(b) * cells * C;
    float* tok = tokens.data() + static_cast<int64_t>(b) * T * C;
    for (int c = 0; c < C; ++c) {
      double mean = 0;
      for (int i = 0; i < cells; ++i) mean += cell[static_cast<int64_t>(i) * C + c];
      tok[c] = static_cast<float>(mean / cells) + r.pool_pos[static_cast<size_t>(c)];
    }
    for (int i = 0; i < cells; ++i) {
      for (int c = 0; c < C; ++c) {
        tok[static_cast<int64_t>(i + 1) * C + c] = cell[static_cast<int64_t>(i) * C + c] + r.pool_pos[static_cast<size_t>(i + 1) * C + c];
      }
    }
  }
  std::vector<float> first(static_cast<size_t>(n) * C), q(first.size()), kv(static_cast<size_t>(n) * T * 2 * C), heads(first.size());
  for (int b = 0; b < n; ++b) std::memcpy(&first[static_cast<size_t>(b) * C], &tokens[static_cast<size_t>(b) * T * C], sizeof(float) * C);
  r.q.forward(ctx_, first.data(), n, q.data(), DType::f32);
  r.kv.forward(ctx_, tokens.data(), n * T, kv.data(), DType::f32);
  attend_first_token(q.data(), kv.data(), n, T, C, r.heads, heads.data());
  r.c.forward(ctx_, heads.data(), n, out, DType::f32);
  l2_normalize_rows(out, n, r.c.out());
}

}  // namespace ants::clip
