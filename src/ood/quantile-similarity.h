// The distances of the bank methods: for each candidate text, one statistic of its cosine
// similarities to the N ID prompts (NegLabel, method.md §3.2 step 2; CSP, §11).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace ants::ood {

// floor(quantile · n) as the reference computes it in double precision, clamped to n − 1.
size_t quantile_index(size_t n, double quantile);

// q[i] = the element at quantile_index(n_ids, quantile) of the ascending dot products of
// candidates row i with every ids row (cosines for unit rows). candidates: n_candidates × dim,
// ids: n_ids × dim, row-major. Runs on n_threads threads (0 = all cores).
std::vector<float> quantile_similarities(const float* candidates, size_t n_candidates, const float* ids,
                                         size_t n_ids, int dim, double quantile, int n_threads = 0);

// out[i] = stat(row, n_ids) over the dot products of candidates row i with every ids row; `stat`
// may reorder the row and is called from several threads at once.
using RowStatistic = std::function<float(float* row, size_t n)>;
std::vector<float> similarity_statistics(const float* candidates, size_t n_candidates, const float* ids, size_t n_ids,
                                         int dim, const RowStatistic& stat, int n_threads = 0);

// torch.quantile(row, q) with its default linear interpolation, in float32 as torch computes it:
// rank = float(q)·(n − 1), the two neighbouring order statistics, torch.lerp. Reorders the row.
float torch_quantile(float* row, size_t n, double q);

}  // namespace ants::ood
