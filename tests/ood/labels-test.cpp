#include "ood/labels.h"

#include <gtest/gtest.h>

#include "ood/vsnl-cache.h"

namespace ants::ood {
namespace {

using S = std::vector<std::string>;

TEST(Labels, ParseNumbered) {  // spec §8.5
  EXPECT_EQ(parse_numbered("1. tabby cat\n2) red fox\n3. Tabby   Cat.\nnot a label"), (S{"tabby cat", "red fox"}));
  EXPECT_EQ(parse_numbered("Here are five:\n1. Lynx\n2. Bobcat\n3: Ocelot\n4- Serval\n5) Caracal\n6. Cougar"),
            (S{"Lynx", "Bobcat", "Ocelot", "Serval", "Caracal"}));
  EXPECT_EQ(parse_numbered("1.\n2. \r\n 10)  wolf  \r\n- bullet\n3x. no"), (S{"wolf"}));
  EXPECT_TRUE(parse_numbered("").empty());
}

TEST(Labels, Normalize) {  // spec §8.5
  EXPECT_EQ(normalize_labels(S{" dog. ", "", "Dog", "red  fox", "A cat on a mat..."}),
            (S{"dog", "red fox", "A cat on a mat"}));
  std::vector<std::optional<std::string>> with_missing = {std::nullopt, "cat", std::nullopt, "CAT."};
  EXPECT_EQ(normalize_labels(with_missing), (S{"cat"}));
}

TEST(Labels, CasefoldIsUnicode) {
  EXPECT_EQ(casefold("Straße ÉTÉ"), "strasse été");
  EXPECT_EQ(normalize_labels(S{"Éclair", "éCLAIR"}), (S{"Éclair"}));
}

TEST(VsnlCache, MostFrequentTiesByFirstOccurrence) {  // spec §8.5
  ClassCounter c;
  for (int p : {3, 1, 3, 2, 1, 5, 3, 7, 7}) c.add(p);
  EXPECT_EQ(c.most_common(3), (std::vector<int>{3, 1, 7}));
  EXPECT_EQ(c.most_common(10), (std::vector<int>{3, 1, 7, 2, 5}));
}

TEST(VsnlCache, UpdateEvictsAndFlattens) {  // spec §8.5
  LabelCache cache = {{1, {"old label"}}, {2, {"inactive"}}};
  const std::vector<int> top = {1, 3};
  ASSERT_FALSE(cache_has(cache, 3));
  cache.emplace_back(3, normalize_labels(S{"new label", "New label"}));
  evict_inactive(cache, top);
  ASSERT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache[0].first, 1);
  EXPECT_EQ(cache[1], (std::pair<int, S>{3, {"new label"}}));
  EXPECT_EQ(flatten_labels(cache), (S{"old label", "new label"}));
}

}  // namespace
}  // namespace ants::ood
