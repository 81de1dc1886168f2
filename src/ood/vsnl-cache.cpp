#include "ood/vsnl-cache.h"

#include <algorithm>

#include "text/labels.h"

namespace ants::ood {

void ClassCounter::add(int cls) {
  const auto idx = static_cast<size_t>(cls);
  if (idx >= counts.size()) counts.resize(idx + 1, 0);
  if (counts[idx]++ == 0) order.push_back(cls);
}

std::vector<int> ClassCounter::most_common(size_t limit) const {
  std::vector<int> ranked = order;
  std::stable_sort(ranked.begin(), ranked.end(), [&](int a, int b) {
    return counts[static_cast<size_t>(a)] > counts[static_cast<size_t>(b)];
  });
  if (ranked.size() > limit) ranked.resize(limit);
  return ranked;
}

void ClassCounter::clear() {
  order.clear();
  counts.clear();
}

bool cache_has(const LabelCache& cache, int cls) {
  return std::any_of(cache.begin(), cache.end(), [&](const auto& e) { return e.first == cls; });
}

void evict_inactive(LabelCache& cache, const std::vector<int>& active) {
  std::erase_if(cache, [&](const auto& e) { return std::find(active.begin(), active.end(), e.first) == active.end(); });
}

std::vector<std::string> flatten_labels(const LabelCache& cache) {
  std::vector<std::string> all;
  for (const auto& [cls, labels] : cache) all.insert(all.end(), labels.begin(), labels.end());
  return text::normalize_labels(all);
}

}  // namespace ants::ood
