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

}  // namespace
}  // namespace ants::text
