#include "clip/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "clip/ops.h"
#include "core/cpu.h"
#include "core/error.h"

namespace ants::clip {

namespace {

// Patches of image b in row-major grid order, each flattened as (channel, ky, kx) to match the
// convolution weight [W, 3, p, p].
void im2col(const float* pixels, int n, int size, int patch, DType t, void* cols) {
  const int grid = size / patch, k = 3 * patch * patch;
  const int64_t rows = static_cast<int64_t>(n) * grid * grid;
  std::vector<float> row(static_cast<size_t>(k));
#pragma omp parallel for schedule(static) firstprivate(row)
  for (int64_t r = 0; r < rows; ++r) {
    const int b = static_cast<int>(r / (grid * grid)), cell = static_cast<int>(r % (grid * grid));
    const int py = cell / grid, px = cell % grid;
    float* dst = row.data();
    for (int c = 0; c < 3; ++c) {
      const float* plane = pixels + (static_cast<int64_t>(b) * 3 + c) * size * size;
      for (int ky = 0; ky < patch; ++ky) {
        std::memcpy(dst, plane + static_cast<int64_t>(py * patch + ky) * size + px * patch, sizeof(float) * patch);
        dst += patch;
      }
    }
    if (t == DType::f32) {
      std::memcpy(static_cast<float*>(cols) + r * k, row.data(), sizeof(float) * k);
    } else {
      convert_f32(row.data(), k, static_cast<uint16_t*>(cols) + r * k, t);
    }
  }
}

}  // namespace

void* Encoder::scratch(Slot slot, int64_t elements, DType t) {
  const size_t bytes = static_cast<size_t>(elements) * dtype_bytes(t);
  if (sizes_[slot] < bytes) {
    buffers_[slot].reset();  // release first: peak memory stays one buffer per slot
    buffers_[slot].reset(new uint8_t[bytes]);
    sizes_[slot] = bytes;
  }
  return buffers_[slot].get();
}

void Encoder::run_tower(const Tower& tower, float* x, int batch, int tokens, bool causal) {
  const DType at = w_.dtype;
  const int W = tower.info.width, H = tower.info.heads, F = tower.info.mlp_width, dh = W / H;
  const int M = batch * tokens;
  const float eps = static_cast<float>(tower.info.ln_eps);
  const int64_t attn = static_cast<int64_t>(batch) * H * tokens * tokens;
  void* h = scratch(kNormed, static_cast<int64_t>(M) * W, at);
  void* qkv = scratch(kQkv, static_cast<int64_t>(M) * 3 * W, at);
  void* q = scratch(kQ, static_cast<int64_t>(M) * W, at);
  void* k = scratch(kK, static_cast<int64_t>(M) * W, at);
  void* v = scratch(kV, static_cast<int64_t>(M) * W, at);
  auto* scores = static_cast<float*>(scratch(kScores, attn, DType::f32));
  void* probs = scratch(kProbs, attn, at);
  void* mlp = scratch(kMlp, static_cast<int64_t>(M) * F, at);
  const BatchedMatmul qk{batch * H, tokens, dh, tokens, true, 1.f / std::sqrt(static_cast<float>(dh)), at, DType::f32, 1, 0};
  const BatchedMatmul pv{batch * H, tokens, tokens, dh, false, 1.f, at, at, H, W};
  for (const Block& blk : tower.blocks) {
    layer_norm(x, M, W, blk.ln1.gain.data(), blk.ln1.bias.data(), eps, h, at);
    blk.qkv.forward(ctx_, h, M, qkv, at);
    split_heads(qkv, batch, tokens, W, H, at, q, k, v);
    batched_matmul(ctx_, qk, q, k, scores);
    softmax_rows(scores, batch * H, tokens, tokens, causal, probs, at);
    batched_matmul(ctx_, pv, probs, v, h);  // heads merged back into [M, W]
    blk.out.forward(ctx_, h, M, x, DType::f32, Activation::none, /*accumulate=*/true);
    layer_norm(x, M, W, blk.ln2.gain.data(), blk.ln2.bias.data(), eps, h, at);
    blk.fc1.forward(ctx_, h, M, mlp, at, tower.act);
    blk.fc2.forward(ctx_, mlp, M, x, DType::f32, Activation::none, /*accumulate=*/true);
  }
}

void Encoder::head(const float* x, int rows, const Norm& norm, double eps, const Dense& proj, float* out,
                   bool normalize) {
  void* h = scratch(kHead, static_cast<int64_t>(rows) * proj.in(), w_.dtype);
  layer_norm(x, rows, proj.in(), norm.gain.data(), norm.bias.data(), static_cast<float>(eps), h, w_.dtype);
  proj.forward(ctx_, h, rows, out, DType::f32);
  if (normalize) l2_normalize_rows(out, rows, proj.out());
}

void Encoder::encode_images(const float* pixels, int n, float* out) {
  if (n <= 0) return;
  const VisionWeights& vw = w_.vision;
  const int S = w_.info.image_size;
  if (n > 1 && (vw.resnet || !core::cpu_has_avx512())) {
    // An image's embedding must not depend on its batch (a cached embedding, a shard, a batch
    // without a broken image: all bit-identical), so these run one image per pass, every shape
    // fixed: oneDNN's AVX2 fp32 GEMM rounds a row differently with the number of rows it is given,
    // and its convolutions may pick another kernel for another batch size on any CPU (a ResNet's
    // feature-map pixels already fill the convolutions' rows).
    const int64_t image = 3LL * S * S, dim = w_.info.embed_dim;
    for (int i = 0; i < n; ++i) encode_images(pixels + i * image, 1, out + i * dim);
    return;
  }
  if (vw.resnet) return encode_resnet(pixels, n, out);
  const int p = w_.info.patch_size, W = vw.tower.info.width, P = (S / p) * (S / p), T = P + 1;
  void* cols = scratch(kCols, static_cast<int64_t>(n) * P * 3 * p * p, w_.dtype);
  im2col(pixels, n, S, p, w_.dtype, cols);
  auto* pe = static_cast<float*>(scratch(kPatches, static_cast<int64_t>(n) * P * W, DType::f32));
  vw.patch.forward(ctx_, cols, n * P, pe, DType::f32);
  auto* xs = static_cast<float*>(scratch(kStream, static_cast<int64_t>(n) * T * W, DType::f32));
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < static_cast<int64_t>(n) * T; ++r) {
    const int b = static_cast<int>(r / T), t = static_cast<int>(r % T);
    const float* src = t == 0 ? vw.class_emb.data() : pe + (static_cast<int64_t>(b) * P + t - 1) * W;
    const float* pos = vw.pos_emb.data() + static_cast<int64_t>(t) * W;
    for (int i = 0; i < W; ++i) xs[r * W + i] = src[i] + pos[i];
  }
  const float eps = static_cast<float>(vw.tower.info.ln_eps);
  layer_norm(xs, n * T, W, vw.ln_pre.gain.data(), vw.ln_pre.bias.data(), eps, xs, DType::f32);
  run_tower(vw.tower, xs, n, T, /*causal=*/false);
  std::vector<float> cls(static_cast<size_t>(n) * W);
  for (int b = 0; b < n; ++b) std::memcpy(&cls[static_cast<size_t>(b) * W], xs + static_cast<int64_t>(b) * T * W, sizeof(float) * W);
  head(cls.data(), n, vw.ln_post, eps, vw.proj, out);
}

void Encoder::encode_tokens(const std::vector<std::vector<int32_t>>& tokens, int32_t eot_id, float* out,
                            bool normalize) {
  const int n = static_cast<int>(tokens.size());
  if (n == 0) return;
  const TextWeights& tw = w_.text;
  const int W = tw.tower.info.width, ctx = w_.info.context_length;
  // The causal mask makes positions after each text's end token irrelevant to its embedding,
  // so the batch only runs up to the latest end token.
  std::vector<int> eot(static_cast<size_t>(n));
  int T = 1;
  for (int b = 0; b < n; ++b) {
    const auto& ids = tokens[static_cast<size_t>(b)];
    if (ids.empty() || static_cast<int>(ids.size()) > ctx) {
      core::fail(ErrorCode::invalid_argument, "encode_tokens", "token sequence must have 1.." + std::to_string(ctx) + " ids");
    }
    auto it = std::find(ids.begin(), ids.end(), eot_id);
    if (it == ids.end()) it = std::max_element(ids.begin(), ids.end());
    eot[static_cast<size_t>(b)] = static_cast<int>(it - ids.begin());
    T = std::max(T, eot[static_cast<size_t>(b)] + 1);
    for (int32_t id : ids) {
      if (id < 0 || id >= w_.info.vocab_size) {
        core::fail(ErrorCode::invalid_argument, "encode_tokens", "token id " + std::to_string(id) + " outside the vocabulary");
      }
    }
  }
  auto* xs = static_cast<float*>(scratch(kStream, static_cast<int64_t>(n) * T * W, DType::f32));
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < static_cast<int64_t>(n) * T; ++r) {
    const auto& ids = tokens[static_cast<size_t>(r / T)];
    const int t = static_cast<int>(r % T);
    const float* pos = tw.pos_emb.data() + static_cast<int64_t>(t) * W;
    const float* emb = t < static_cast<int>(ids.size()) ? tw.token_emb.data() + static_cast<int64_t>(ids[static_cast<size_t>(t)]) * W : nullptr;
    for (int i = 0; i < W; ++i) xs[r * W + i] = pos[i] + (emb ? emb[i] : 0.f);
  }
  run_tower(tw.tower, xs, n, T, /*causal=*/true);
  std::vector<float> pooled(static_cast<size_t>(n) * W);
  for (int b = 0; b < n; ++b) {
    std::memcpy(&pooled[static_cast<size_t>(b) * W], xs + (static_cast<int64_t>(b) * T + eot[static_cast<size_t>(b)]) * W, sizeof(float) * W);
  }
  head(pooled.data(), n, tw.ln_final, tw.tower.info.ln_eps, tw.proj, out, normalize);
}

}  // namespace ants::clip
