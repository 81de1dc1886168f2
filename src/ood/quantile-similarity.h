// The NegLabel distance of method.md §3.2 step 2: for each candidate text, one order statistic of its
// cosine similarities to the N ID prompts.
#pragma once

#include <cstddef>
#include <vector>

namespace ants::ood {

// floor(quantile · n) as the reference computes it in double precision, clamped to n − 1.
size_t quantile_index(size_t n, double quantile);

// q[i] = the element at quantile_index(n_ids, quantile) of the ascending dot products of
// candidates row i with every ids row (cosines for unit rows). candidates: n_candidates × dim,
// ids: n_ids × dim, row-major. Runs on n_threads threads (0 = all cores).
std::vector<float> quantile_similarities(const float* candidates, size_t n_candidates, const float* ids,
                                         size_t n_ids, int dim, double quantile, int n_threads = 0);

}  // namespace ants::ood
