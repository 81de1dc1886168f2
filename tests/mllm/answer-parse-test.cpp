// The two answer parsers: reference = method.md §4.5 exactly; lenient cleans what real servers send.
#include "mllm/answer-parse.h"

#include <gtest/gtest.h>

namespace ants::mllm {
namespace {

using Labels = std::vector<std::string>;

Labels lenient(std::string_view raw, std::string_view cls = "tabby cat") {
  return parse_similar(raw, MllmParse::lenient, cls).value_or(Labels{"<none>"});
}

TEST(AnswerParse, CleanNumberedListsGiveTheSameLabelsInBothModes) {
  for (std::string_view raw : {"1. Lynx\n2. Bobcat\n3. Ocelot\n4. Serval\n5. Caracal",
                               "Here are five:\n1. Lynx\n2) Bobcat\n3: Ocelot\n4- Serval\n5) Caracal\n6. Cougar",
                               "1. tabby\n2) red fox\n3. Tabby.\nnot a label"}) {
    SCOPED_TRACE(raw);
    EXPECT_EQ(parse_similar(raw, MllmParse::reference, "x").value(), lenient(raw, "x"));
  }
  EXPECT_EQ(lenient("1. Lynx\n2. Bobcat", "x"), (Labels{"Lynx", "Bobcat"}));
}

TEST(AnswerParse, ReferenceIsSpecExact) {  // method.md §8.5: no cleaning, the class itself kept
  EXPECT_EQ(parse_similar("1. **Lynx**\n2. tabby cat\n- Bobcat", MllmParse::reference, "tabby cat").value(),
            (Labels{"**Lynx**", "tabby cat"}));
  EXPECT_EQ(parse_similar("no list here", MllmParse::reference, "x").value(), Labels{});  // an answer, not a failure
  EXPECT_EQ(parse_description("  A red car.\n", MllmParse::reference).value(), "A red car.");
}

TEST(AnswerParse, LenientThinkBlocks) {
  EXPECT_EQ(lenient("<think>1. wrong\nlet me think</think>\n1. Lynx\n2. Bobcat"), (Labels{"Lynx", "Bobcat"}));
  EXPECT_EQ(lenient("1. wrong\n</think>1. Lynx"), (Labels{"Lynx"}));  // opening tag stripped by the server
  EXPECT_EQ(lenient("<THINK>never closed 1. a\n2. b"), (Labels{"<none>"}));
  EXPECT_EQ(parse_description("<think>hmm</think> A red car.", MllmParse::lenient).value(), "A red car");
}

TEST(AnswerParse, LenientMarkdownQuotesAndNumbering) {
  EXPECT_EQ(lenient("- **Lynx**\n* Bobcat\n• \"Ocelot\"\n+ `Serval`"), (Labels{"Lynx", "Bobcat", "Ocelot", "Serval"}));
  EXPECT_EQ(lenient("1) Lynx\n2: Bobcat\n3 - Ocelot\n(4) Serval\n5 . Caracal"),
            (Labels{"Lynx", "Bobcat", "Ocelot", "Serval", "Caracal"}));
  EXPECT_EQ(lenient("1. \u201cLynx\u201d\n2. 'Bobcat'\n3. *Ocelot*"), (Labels{"Lynx", "Bobcat", "Ocelot"}));
}

TEST(AnswerParse, LenientPreamblesAndCommaLists) {
  EXPECT_EQ(lenient("Sure! Here are five classes that look like a tabby cat:\n\n1. Lynx\n2. Bobcat"),
            (Labels{"Lynx", "Bobcat"}));
  EXPECT_EQ(lenient("Lynx, Bobcat, Ocelot, and Serval"), (Labels{"Lynx", "Bobcat", "Ocelot", "Serval"}));
  EXPECT_EQ(lenient("Sure, here they are: lynx; bobcat; ocelot."), (Labels{"lynx", "bobcat", "ocelot"}));
  EXPECT_EQ(lenient("Lynx\nBobcat\nOcelot"), (Labels{"Lynx", "Bobcat", "Ocelot"}));
}

TEST(AnswerParse, LenientTrailingExplanationsAndCaps) {
  EXPECT_EQ(lenient("1. Lynx - a wild cat with tufted ears\n2. Bobcat: short tail\n3. Ocelot (spotted)\n"
                    "4. Serval \u2014 long legs"),
            (Labels{"Lynx", "Bobcat", "Ocelot", "Serval"}));
  const Labels capped = lenient("1. a very long label that goes on and on and on without stopping at all");
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_EQ(capped[0], "a very long label that goes");
  const std::string word(200, 'x');
  EXPECT_EQ(lenient("1. " + word + "\n2. Lynx"), (Labels{"Lynx"}));  // a 200-byte "word" cannot fit
  EXPECT_EQ(lenient("1. a\n2. b\n3. c\n4. d\n5. e\n6. f"), (Labels{"a", "b", "c", "d", "e"}));
}

TEST(AnswerParse, LenientDropsTheQueriedClassAndBadBytes) {
  EXPECT_EQ(lenient("1. Tabby Cat\n2. Lynx\n3. tabby cat.", "tabby cat"), (Labels{"Lynx"}));
  EXPECT_EQ(lenient("1. Ly\xffnx\n2. Bob\x01" "cat", "x"), (Labels{"Lynx", "Bobcat"}));
  EXPECT_EQ(sanitize_utf8("caf\xc3\xa9 \xe2\x82 ok\x7f\n\t"), "caf\xc3\xa9  ok\n\t");
}

TEST(AnswerParse, LenientEmptyAndUnparseableAreFailures) {
  EXPECT_FALSE(parse_similar("", MllmParse::lenient, "x"));
  EXPECT_FALSE(parse_similar("  \n ", MllmParse::lenient, "x"));
  EXPECT_FALSE(parse_similar("Here are some:", MllmParse::lenient, "x"));
  EXPECT_FALSE(parse_similar("1. tabby cat", MllmParse::lenient, "Tabby Cat"));
  EXPECT_FALSE(parse_description("", MllmParse::lenient));
  EXPECT_FALSE(parse_description("<think>only thinking", MllmParse::lenient));
  EXPECT_FALSE(parse_description("Sure!\nHere is a description:", MllmParse::lenient));
}

TEST(AnswerParse, LenientDescriptions) {
  EXPECT_EQ(parse_description("A red car on a road.", MllmParse::lenient).value(), "A red car on a road");
  EXPECT_EQ(parse_description("Sure! Here's a short description: **A red car** on a road.", MllmParse::lenient).value(),
            "A red car on a road");
  EXPECT_EQ(parse_description("Sure!\n\nAnswer: \"a dog in snow\"\nIt is winter.", MllmParse::lenient).value(),
            "a dog in snow");
  EXPECT_EQ(parse_description("one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
                              MllmParse::lenient)
                .value(),
            "one two three four five six seven eight nine ten eleven twelve");
}

}  // namespace
}  // namespace ants::mllm
