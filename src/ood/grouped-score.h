// The grouped ID-mass score of method.md §3.3 and the bank rule "plain iff K ≤ g" (§3.3, §4.7–4.8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <ants/matrix.h>

namespace ants::ood {

// How the K columns of a (possibly tiled) bank fall into groups. Computed once per bank size,
// shared by every image: the reference re-seeds the permutation on every call.
struct Grouping {
  size_t columns = 0;                    // K, after tiling
  bool plain = true;                     // K ≤ g: one softmax over every column
  size_t groups = 1;                     // G = floor(K / g)
  size_t length = 0;                     // L = (K − K mod G) / G
  const std::vector<uint32_t>* perm = nullptr;  // seed-0 randperm(G·L); null = identity order
};
Grouping make_grouping(size_t columns, size_t group_size, bool permute);
// `groups` groups (≥ 1) of the K = columns columns, never plain: the trailing K mod groups
// columns are dropped before permuting (make_grouping's rule once it has its group count; AdaNeg
// gives the count itself).
Grouping make_grouping_of(size_t columns, size_t groups, bool permute);

// One image: `id_mass` = Σ exp(z_id − m), `neg_exp[i]` = exp(n_i − m) for the `rows` rows of the
// untiled bank (same shift m). Tiled column c is row c mod rows. Returns mean_j A / (A + B_j).
double grouped_id_mass(double id_mass, const double* neg_exp, size_t rows, const Grouping& grouping);

// The grouped score of every image (rows of unit features) against ID and negative text rows,
// logits scaled by `logit_scale`; the predicted ID class of each in `preds` when not null.
std::vector<float> grouped_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts,
                                  const FeatureMatrix& negatives, float logit_scale, const Grouping& grouping,
                                  std::vector<int>* preds = nullptr);

// Exponentials of one image's logits with a common shift: fills `neg_exp` (bank part) and returns
// the ID mass. The shift is the max over both parts, so no term overflows.
double shifted_exponentials(const float* id_logits, size_t n_id, const float* bank_logits, size_t rows,
                            std::vector<double>& neg_exp);

}  // namespace ants::ood
