#include "ood/quantile-similarity.h"

#include <algorithm>
#include <cmath>

#include "linalg/matmul.h"
#include "core/cpu.h"
#include "core/error.h"

namespace ants::ood {

namespace {

// Candidate rows per product: a 4096 × N float block (16 MB for N = 1000) stays small next to the
// embeddings while keeping the GEMM large enough to run at full speed.
constexpr size_t kBlockRows = 4096;

}  // namespace

size_t quantile_index(size_t n, double quantile) {
  if (n == 0) core::fail(ErrorCode::invalid_argument, "quantile_index", "no ID prompts");
  if (!(quantile >= 0.0 && quantile <= 1.0)) {
    core::fail(ErrorCode::invalid_argument, "quantile " + std::to_string(quantile), "must be in [0, 1]");
  }
  return std::min(n - 1, static_cast<size_t>(quantile * static_cast<double>(n)));
}

std::vector<float> quantile_similarities(const float* candidates, size_t n_candidates, const float* ids,
                                         size_t n_ids, int dim, double quantile, int n_threads) {
  const size_t k = quantile_index(n_ids, quantile);
  // nth_element: the order statistic without sorting the whole row.
  return similarity_statistics(candidates, n_candidates, ids, n_ids, dim,
                               [k](float* row, size_t n) {
                                 std::nth_element(row, row + k, row + n);
                                 return row[k];
                               },
                               n_threads);
}

std::vector<float> similarity_statistics(const float* candidates, size_t n_candidates, const float* ids, size_t n_ids,
                                         int dim, const RowStatistic& stat, int n_threads) {
  if (dim <= 0) core::fail(ErrorCode::invalid_argument, "similarity_statistics", "embedding width must be positive");
  if (n_ids == 0) core::fail(ErrorCode::invalid_argument, "similarity_statistics", "no ID prompts");
  core::set_compute_threads(n_threads);
  linalg::DnnlContext ctx;
  std::vector<float> out(n_candidates);
  std::vector<float> sims(std::min(n_candidates, kBlockRows) * n_ids);
  for (size_t start = 0; start < n_candidates; start += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n_candidates - start);
    linalg::BatchedMatmul mm;
    mm.batch = 1;
    mm.m = static_cast<int>(rows);
    mm.k = dim;
    mm.n = static_cast<int>(n_ids);
    mm.b_transposed = true;
    linalg::batched_matmul(ctx, mm, candidates + start * static_cast<size_t>(dim), ids, sims.data());
#pragma omp parallel for schedule(static)
    for (size_t r = 0; r < rows; ++r) out[start + r] = stat(sims.data() + r * n_ids, n_ids);
  }
  return out;
}

float torch_quantile(float* row, size_t n, double q) {
  if (n == 0) core::fail(ErrorCode::internal, "torch_quantile", "empty row");
  const float rank = static_cast<float>(q) * static_cast<float>(n - 1);
  const size_t below = std::min(n - 1, static_cast<size_t>(rank));
  const size_t above = std::min(n - 1, static_cast<size_t>(std::ceil(rank)));
  std::nth_element(row, row + below, row + n);
  const float lo = row[below];
  const float hi = above == below ? lo : *std::min_element(row + below + 1, row + n);
  const float w = rank - static_cast<float>(below);
  // at::lerp's two-sided formula, exact at both ends
  return std::abs(w) < 0.5f ? lo + w * (hi - lo) : hi - (hi - lo) * (1.f - w);
}

}  // namespace ants::ood
