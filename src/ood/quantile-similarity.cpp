#include "ood/quantile-similarity.h"

#include <algorithm>

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
  if (dim <= 0) core::fail(ErrorCode::invalid_argument, "quantile_similarities", "embedding width must be positive");
  core::set_compute_threads(n_threads);
  linalg::DnnlContext ctx;
  std::vector<float> q(n_candidates);
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
    // nth_element: the order statistic without sorting the whole row.
#pragma omp parallel for schedule(static)
    for (size_t r = 0; r < rows; ++r) {
      float* row = sims.data() + r * n_ids;
      std::nth_element(row, row + k, row + n_ids);
      q[start + r] = row[k];
    }
  }
  return q;
}

}  // namespace ants::ood
