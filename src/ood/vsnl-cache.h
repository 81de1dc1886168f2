// VSNL bookkeeping (method.md §4.6): the most frequent predicted classes and the per-class label cache.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ants::ood {

// Prediction counts since reset, with first-occurrence order for Counter.most_common's tie rule.
class ClassCounter {
 public:
  void add(int cls);
  // Up to `limit` classes by count, descending; ties by first occurrence.
  std::vector<int> most_common(size_t limit) const;
  void clear();

  std::vector<int> order;        // classes in order of first occurrence
  std::vector<int64_t> counts;   // indexed by class
};

// class id → its labels, in insertion order (a Python dict).
using LabelCache = std::vector<std::pair<int, std::vector<std::string>>>;

bool cache_has(const LabelCache& cache, int cls);
// Drops every class not in `active`; the rest keep their order.
void evict_inactive(LabelCache& cache, const std::vector<int>& active);
// normalize_labels over the concatenated labels in cache order.
std::vector<std::string> flatten_labels(const LabelCache& cache);

}  // namespace ants::ood
