// The optional activation-aware (TANL-style) ENS re-scoring of method.md §4.11, off by default.
#pragma once

#include <cstddef>
#include <vector>

namespace ants::ood {

// Two-cluster threshold of `scores`: the grid value t ∈ {0.00, …, 0.99} (float32) minimising the
// size-weighted within-class variance of {s < t} / {s ≥ t}; first minimum wins; default = the
// lower median.
float activation_threshold(const std::vector<float>& scores);

// Mean over the end points step−1, 2·step−1, … (and the last) of A / (A + cumulative negatives):
// `id_logits` (n_id) and `neg_logits` (rows, in ranked order) of one image.
double cumulative_id_mass(const float* id_logits, size_t n_id, const float* neg_logits, size_t rows, size_t step);

struct ActivationParams {
  float threshold = 0.5f;
  float gap = 0.5f;
  size_t max_negatives = 1000;
  size_t step = 2;
};

// Re-scores a batch against the ENS rows ranked by (mean probability over the batch's low-score
// images − over its high-score images). id_logits: b × n_id, bank_logits: b × rows, `far`: the
// batch's plain ENS scores. Returns false (and leaves `out` alone) when either set is empty.
bool activation_rescore(const std::vector<float>& id_logits, size_t n_id, const std::vector<float>& bank_logits,
                        size_t rows, const std::vector<float>& far, const ActivationParams& params,
                        std::vector<float>& out);

}  // namespace ants::ood
