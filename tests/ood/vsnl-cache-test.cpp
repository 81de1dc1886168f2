#include "ood/vsnl-cache.h"

#include <gtest/gtest.h>

#include "text/labels.h"

namespace ants::ood {
namespace {

using S = std::vector<std::string>;

TEST(VsnlCache, MostFrequentTiesByFirstOccurrence) {  // method.md §8.5
  ClassCounter c;
  for (int p : {3, 1, 3, 2, 1, 5, 3, 7, 7}) c.add(p);
  EXPECT_EQ(c.most_common(3), (std::vector<int>{3, 1, 7}));
  EXPECT_EQ(c.most_common(10), (std::vector<int>{3, 1, 7, 2, 5}));
}

TEST(VsnlCache, UpdateEvictsAndFlattens) {  // method.md §8.5
  LabelCache cache = {{1, {"old label"}}, {2, {"inactive"}}};
  const std::vector<int> top = {1, 3};
  ASSERT_FALSE(cache_has(cache, 3));
  cache.emplace_back(3, text::normalize_labels(S{"new label", "New label"}));
  evict_inactive(cache, top);
  ASSERT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache[0].first, 1);
  EXPECT_EQ(cache[1], (std::pair<int, S>{3, {"new label"}}));
  EXPECT_EQ(flatten_labels(cache), (S{"old label", "new label"}));
}

}  // namespace
}  // namespace ants::ood
