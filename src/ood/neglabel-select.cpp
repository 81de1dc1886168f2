#include "ood/neglabel-select.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace ants::ood {

NegLabelQuotas neglabel_quotas(size_t count, size_t n_adjectives, size_t n_nouns) {
  const size_t total = n_adjectives + n_nouns;
  if (count == 0 || count > total) {
    core::fail(ErrorCode::invalid_argument, "negative count " + std::to_string(count),
               "must be between 1 and the " + std::to_string(total) + " corpus candidates");
  }
  // Integer floor equals the reference's float floor here: a non-integer quotient is at least
  // 1/total away from the next integer, far more than double rounding can move it. No overflow:
  // count · n_adjectives ≤ total², and a corpus has far fewer than 2^32 words.
  const size_t adjectives = count * n_adjectives / total;
  return {adjectives, count - adjectives};
}

std::vector<size_t> smallest_indices(const std::vector<float>& values, size_t k) {
  if (k > values.size()) core::fail(ErrorCode::internal, "smallest_indices", "k exceeds the number of values");
  auto key = [&](size_t i) {
    const float v = values[i];
    return std::isnan(v) ? std::numeric_limits<float>::infinity() : v;
  };
  std::vector<size_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  // (value, index) is a strict total order, so the result is what a stable sort would give.
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), [&](size_t a, size_t b) {
    const float ka = key(a), kb = key(b);
    return ka < kb || (ka == kb && a < b);
  });
  idx.resize(k);
  return idx;
}

NegLabelSelection select_neglabel(const std::vector<float>& q_adjectives, const std::vector<float>& q_nouns,
                                  size_t count) {
  const NegLabelQuotas quotas = neglabel_quotas(count, q_adjectives.size(), q_nouns.size());
  return {smallest_indices(q_adjectives, quotas.adjectives), smallest_indices(q_nouns, quotas.nouns)};
}

}  // namespace ants::ood
