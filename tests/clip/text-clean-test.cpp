// CLIP text cleaning against goldens made by the real ftfy 6.1 and openai/CLIP code
// (scripts/gen-tokenizer-goldens.py).
#include "clip/text-clean.h"

#include <ants/tokenizer.h>
#include <gtest/gtest.h>

#include <string>

#include "base64.h"
#include "test-util.h"

namespace ants::clip {
namespace {

const nlohmann::json& text_clean_goldens() {
  static const nlohmann::json j =
      test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/tokenizer-goldens.json");
  return j;
}

TEST(TextClean, GoldensAreLoaded) {
  ASSERT_GE(text_clean_goldens()["cases"].size(), 80u);
}

TEST(TextClean, FtfyFixTextMatchesReference) {
  for (const auto& c : text_clean_goldens()["cases"]) {
    const std::string input = server::base64_decode(c["input_base64"].get<std::string>()).value();
    const std::u32string expected = decode_utf8(c["ftfy"].get<std::string>());
    EXPECT_TRUE(ftfy_fix_text(decode_utf8(input)) == expected)
        << c["description"] << ": got '" << encode_utf8(ftfy_fix_text(decode_utf8(input))) << "', want '"
        << c["ftfy"].get<std::string>() << "'";
  }
}

TEST(TextClean, CleanTextMatchesReference) {
  for (const auto& c : text_clean_goldens()["cases"]) {
    const std::string input = server::base64_decode(c["input_base64"].get<std::string>()).value();
    EXPECT_EQ(clip_clean_text(input), c["cleaned"].get<std::string>()) << c["description"];
  }
}

// The reference decodes with bytes.decode("utf-8", errors="replace"); every golden's "ftfy" text
// is valid UTF-8 that round-trips.
TEST(TextClean, Utf8RoundTrip) {
  for (const auto& c : text_clean_goldens()["cases"]) {
    const std::string s = c["ftfy"].get<std::string>();
    EXPECT_EQ(encode_utf8(decode_utf8(s)), s) << c["description"];
  }
}

// Values checked against Python 3.11: b"...".decode("utf-8", "replace").
TEST(TextClean, InvalidUtf8IsReplacedPerMaximalSubpart) {
  EXPECT_TRUE(decode_utf8("\xf0\x80\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(decode_utf8("\xe2\x82") == U"\uFFFD");
  EXPECT_TRUE(decode_utf8("\xe2\x82"
                          "A") ==
              U"\uFFFD"
              "A");
  EXPECT_TRUE(decode_utf8("\xed\xa0\x80") == U"\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(decode_utf8("\xf4\x8f\xbf\xbf") == U"\U0010FFFF");
}

// Values checked against Python 3.11's html.unescape.
TEST(TextClean, HtmlUnescapeEdgeCases) {
  EXPECT_TRUE(html_unescape(U"&amp;&ampx&notin&notit;") == U"&&x\u00ACin\u00ACit;");
  EXPECT_TRUE(html_unescape(U"&#x80;&#0;&#xD800;&#99999999999999999999;") == U"\u20AC\uFFFD\uFFFD\uFFFD");
  EXPECT_TRUE(html_unescape(U"&#1;&#X41&#") == U"A&#");
}

}  // namespace
}  // namespace ants::clip
