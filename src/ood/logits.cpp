#include "ood/logits.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "linalg/matmul.h"
#include "core/cpu.h"
#include "core/error.h"

namespace ants::ood {

void compute_logits(const FeatureMatrix& images, const FeatureMatrix& texts, float scale, std::vector<float>& out) {
  if (images.dim != texts.dim)
    core::fail(ErrorCode::invalid_argument, "features",
               "image width " + std::to_string(images.dim) + " differs from text width " + std::to_string(texts.dim));
  out.assign(images.rows * texts.rows, 0.f);
  if (images.rows == 0 || texts.rows == 0) return;
  // One engine for every scorer: oneDNN contexts are costly to create, and scoring is light
  // enough next to CLIP that serialising concurrent callers costs nothing measurable.
  static std::mutex mu;
  static auto* ctx = new linalg::DnnlContext;  // never destroyed: usable during static teardown
  std::lock_guard<std::mutex> lock(mu);
  linalg::BatchedMatmul shape;
  shape.batch = 1;
  shape.m = static_cast<int>(images.rows);
  shape.k = images.dim;
  shape.n = static_cast<int>(texts.rows);
  shape.b_transposed = true;
  shape.scale = scale;
  if (core::cpu_has_avx512()) {
    linalg::batched_matmul(*ctx, shape, images.data.data(), texts.data.data(), out.data());
    return;
  }
  // oneDNN's AVX2 GEMM rounds a row differently with the number of rows, so an image's scores
  // would depend on its batch (a broken image, a shard, a resumed stream): every product has
  // kRows rows (the last block zero-padded), so every row goes through the same kernel.
  constexpr size_t kRows = 16;
  const size_t dim = static_cast<size_t>(images.dim);
  std::vector<float> block(kRows * dim), block_out(kRows * texts.rows);
  shape.m = static_cast<int>(kRows);
  for (size_t first = 0; first < images.rows; first += kRows) {
    const size_t n = std::min(kRows, images.rows - first);
    std::fill(std::copy_n(images.data.data() + first * dim, n * dim, block.begin()), block.end(), 0.f);
    linalg::batched_matmul(*ctx, shape, block.data(), texts.data.data(), block_out.data());
    std::copy_n(block_out.begin(), n * texts.rows, out.begin() + static_cast<std::ptrdiff_t>(first * texts.rows));
  }
}

}  // namespace ants::ood
