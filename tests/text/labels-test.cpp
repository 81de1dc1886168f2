#include "text/labels.h"

#include <gtest/gtest.h>
namespace ants::text {
namespace {

using S = std::vector<std::string>;

TEST(Labels, ParseNumbered) {  // method.md §8.5
  EXPECT_EQ(parse_numbered("1. tabby cat\n2) red fox\n3. Tabby   Cat.\nnot a label"), (S{"tabby cat", "red fox"}));
  EXPECT_EQ(parse_numbered("Here are five:\n1. Lynx\n2. Bobcat\n3: Ocelot\n4- Serval\n5) Caracal\n6. Cougar"),
            (S{"Lynx", "Bobcat", "Ocelot", "Serval", "Caracal"}));
  EXPECT_EQ(parse_numbered("1.\n2. \r\n 10)  wolf  \r\n- bullet\n3x. no"), (S{"wolf"}));
  EXPECT_TRUE(parse_numbered("").empty());
}

TEST(Labels, Normalize) {  // method.md §8.5
  EXPECT_EQ(normalize_labels(S{" dog. ", "", "Dog", "red  fox", "A cat on a mat..."}),
            (S{"dog", "red fox", "A cat on a mat"}));
  std::vector<std::optional<std::string>> with_missing = {std::nullopt, "cat", std::nullopt, "CAT."};
  EXPECT_EQ(normalize_labels(with_missing), (S{"cat"}));
}

TEST(Labels, CasefoldIsUnicode) {
  EXPECT_EQ(casefold("Straße ÉTÉ"), "strasse été");
  EXPECT_EQ(normalize_labels(S{"Éclair", "éCLAIR"}), (S{"Éclair"}));
}

// A server answering megabytes (a description in reference mode is the whole answer) yields
// labels of at most kMaxLabelBytes, cut between characters; short labels are untouched.
TEST(Labels, LongLabelsAreCutAtACharacterBoundary) {
  std::string long_label;
  while (long_label.size() < (1u << 20)) long_label += "\xC3\xA9t\xC3\xA9 ";  // "été "
  const S out = normalize_labels(S{long_label, "x" + long_label});
  ASSERT_EQ(out.size(), 2u);
  for (const auto& label : out) {
    EXPECT_LE(label.size(), kMaxLabelBytes);
    EXPECT_GE(label.size(), kMaxLabelBytes - 4);
    EXPECT_NE(static_cast<unsigned char>(label.back()), 0xC3u);  // not the first byte of a split "é"
    EXPECT_NE(label.back(), ' ');
  }
  EXPECT_TRUE(long_label.starts_with(out[0]));
  const S numbered = parse_numbered("1. " + std::string(5000, 'a') + "\n2. fox");
  EXPECT_EQ(numbered, (S{std::string(kMaxLabelBytes, 'a'), "fox"}));
  // Invalid UTF-8 is cut where it is (a label of continuation bytes is not dropped), and what
  // the cut exposes is normalised again.
  EXPECT_EQ(normalize_labels(S{"a" + std::string(2000, '\x80')})[0].size(), kMaxLabelBytes - 3);
  EXPECT_EQ(normalize_labels(S{std::string(kMaxLabelBytes - 1, 'c') + ". d"}), (S{std::string(kMaxLabelBytes - 1, 'c')}));
  const std::string exact(kMaxLabelBytes, 'b');
  EXPECT_EQ(normalize_labels(S{exact}), (S{exact}));
}

}  // namespace
}  // namespace ants::text
