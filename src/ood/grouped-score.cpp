#include "ood/grouped-score.h"

#include <algorithm>
#include <cmath>

#include "ood/randperm.h"

namespace ants::ood {

Grouping make_grouping(size_t columns, size_t group_size, bool permute) {
  Grouping g;
  g.columns = columns;
  group_size = std::max<size_t>(group_size, 1);
  g.plain = columns <= group_size;
  if (g.plain) return g;
  return make_grouping_of(columns, std::max<size_t>(1, columns / group_size), permute);
}

Grouping make_grouping_of(size_t columns, size_t groups, bool permute) {
  Grouping g;
  g.columns = columns;
  g.plain = false;
  g.groups = groups;
  // The trailing K mod G columns are dropped *before* permuting (method.md §9.3).
  const size_t used = columns - columns % g.groups;
  g.length = used / g.groups;
  if (permute) g.perm = &cached_randperm(static_cast<uint32_t>(used));
  return g;
}

double grouped_id_mass(double id_mass, const double* neg_exp, size_t rows, const Grouping& grouping) {
  if (rows == 0) return 1.0;
  if (grouping.plain) {
    double b = 0;
    for (size_t c = 0; c < grouping.columns; ++c) b += neg_exp[c % rows];
    return id_mass / (id_mass + b);
  }
  const uint32_t* perm = grouping.perm ? grouping.perm->data() : nullptr;
  double total = 0;
  for (size_t j = 0, c = 0; j < grouping.groups; ++j) {
    double b = 0;
    for (size_t i = 0; i < grouping.length; ++i, ++c) b += neg_exp[(perm ? perm[c] : c) % rows];
    total += id_mass / (id_mass + b);
  }
  return total / static_cast<double>(grouping.groups);
}

double shifted_exponentials(const float* id_logits, size_t n_id, const float* bank_logits, size_t rows,
                            std::vector<double>& neg_exp) {
  float m = -INFINITY;
  for (size_t i = 0; i < n_id; ++i) m = std::max(m, id_logits[i]);
  for (size_t i = 0; i < rows; ++i) m = std::max(m, bank_logits[i]);
  double a = 0;
  for (size_t i = 0; i < n_id; ++i) a += std::exp(static_cast<double>(id_logits[i] - m));
  neg_exp.resize(rows);
  for (size_t i = 0; i < rows; ++i) neg_exp[i] = std::exp(static_cast<double>(bank_logits[i] - m));
  return a;
}

}  // namespace ants::ood
