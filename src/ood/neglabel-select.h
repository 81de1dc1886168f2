// The NegLabel selection rule of method.md §3.2 steps 3–5 on given q values (no model involved).
#pragma once

#include <cstddef>
#include <vector>

namespace ants::ood {

struct NegLabelQuotas {
  size_t adjectives = 0, nouns = 0;
};
// M_adj = floor(count · n_adjectives / (n_adjectives + n_nouns)), M_noun = count − M_adj.
// Throws ants::Error(invalid_argument) unless 1 ≤ count ≤ n_adjectives + n_nouns.
NegLabelQuotas neglabel_quotas(size_t count, size_t n_adjectives, size_t n_nouns);

// Indices of the k smallest values, ascending by value; equal values keep index order (a NaN
// counts as +infinity). Requires k ≤ values.size().
std::vector<size_t> smallest_indices(const std::vector<float>& values, size_t k);

// Indices into the adjective and noun candidate lists, each in bank order (ascending q).
struct NegLabelSelection {
  std::vector<size_t> adjectives, nouns;
};
NegLabelSelection select_neglabel(const std::vector<float>& q_adjectives, const std::vector<float>& q_nouns,
                                  size_t count);

}  // namespace ants::ood
