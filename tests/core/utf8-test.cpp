#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ants::core {
namespace {

// The code points of `s` read step by step, as Python's decode(errors="replace") gives them.
std::u32string decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = decode_utf8_char(s, i);
    out += c.cp;
    i += c.size;
  }
  return out;
}

TEST(Utf8, WellFormedSequencesOfEveryLength) {
  const std::string_view s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // a é € 😀
  EXPECT_TRUE(decode(s) == U"a\u00e9\u20ac\U0001F600");
  for (size_t i : {0u, 1u, 3u, 6u}) EXPECT_TRUE(decode_utf8_char(s, i).valid) << i;
  EXPECT_EQ(decode_utf8_char(s, 6).size, 4u);
}

TEST(Utf8, BoundariesOfTable3_7) {
  EXPECT_TRUE(decode_utf8_char("\xc2\x80", 0).valid);
  EXPECT_TRUE(decode_utf8_char("\xe0\xa0\x80", 0).valid);
  EXPECT_TRUE(decode_utf8_char("\xed\x9f\xbf", 0).valid);          // U+D7FF, just below the surrogates
  EXPECT_TRUE(decode_utf8_char("\xf4\x8f\xbf\xbf", 0).cp == 0x10FFFF);
  EXPECT_FALSE(decode_utf8_char("\xc1\xbf", 0).valid);             // overlong
  EXPECT_FALSE(decode_utf8_char("\xe0\x9f\xbf", 0).valid);         // overlong
  EXPECT_FALSE(decode_utf8_char("\xed\xa0\x80", 0).valid);         // surrogate
  EXPECT_FALSE(decode_utf8_char("\xf4\x90\x80\x80", 0).valid);     // above U+10FFFF
  EXPECT_FALSE(decode_utf8_char("\xf5\x80\x80\x80", 0).valid);
  EXPECT_FALSE(decode_utf8_char("\x80", 0).valid);                 // a lone continuation byte
}

TEST(Utf8, EncodedReplacementCharacterIsValid) {
  const Utf8Char c = decode_utf8_char("\xef\xbf\xbd", 0);
  EXPECT_TRUE(c.valid);
  EXPECT_TRUE(c.cp == 0xFFFD);
}

// Values checked against Python 3.11: b"...".decode("utf-8", "replace").
TEST(Utf8, InvalidInputIsReplacedPerMaximalSubpart) {
  EXPECT_TRUE(decode("\xf0\x80\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(decode("\xe2\x82") == U"\uFFFD");
  EXPECT_TRUE(decode("\xe2\x82"
                     "A") == U"\uFFFDA");
  EXPECT_TRUE(decode("\xed\xa0\x80") == U"\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(decode("\xf1\x80\x80") == U"\uFFFD");
}

}  // namespace
}  // namespace ants::core
