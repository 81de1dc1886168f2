// ftfy's mojibake repair against the real ftfy 6.1.1 (tests/data/ftfy-mojibake-goldens.json:
// seeded random sentences mis-decoded whole, word by word or twice, by scripts/gen-tokenizer-goldens.py).
#include "clip/text-fix-encoding.h"

#include <ants/tokenizer.h>
#include <gtest/gtest.h>

#include <string>

#include "clip/text-clean.h"
#include "test-util.h"

namespace ants::clip {
namespace {

const nlohmann::json& fix_encoding_goldens() {
  static const nlohmann::json j =
      test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/ftfy-mojibake-goldens.json");
  return j;
}

std::u32string u32(const nlohmann::json& v) { return decode_utf8(v.get<std::string>()); }

TEST(TextFixEncoding, GoldensMostlyHoldMojibake) {
  size_t changed = 0;
  for (const auto& c : fix_encoding_goldens()["cases"]) changed += c["fix_encoding"] != c["input"];
  EXPECT_GE(fix_encoding_goldens()["cases"].size(), 1000u);
  EXPECT_GE(changed, fix_encoding_goldens()["cases"].size() / 2);
}

// Cases where fix(input) differs from the golden's `key`; the first ten are reported.
size_t mismatches(std::u32string (*fix)(std::u32string_view), const char* key) {
  size_t failures = 0;
  for (const auto& c : fix_encoding_goldens()["cases"]) {
    const std::u32string got = fix(u32(c["input"]));
    if (got != u32(c[key]) && ++failures <= 10) {
      ADD_FAILURE() << key << "('" << c["input"].get<std::string>() << "'): got '" << encode_utf8(got) << "', want '"
                    << c[key].get<std::string>() << "'";
    }
  }
  return failures;
}

TEST(TextFixEncoding, FixEncodingMatchesFtfy) { EXPECT_EQ(mismatches(&ftfy_fix_encoding, "fix_encoding"), 0u); }

TEST(TextFixEncoding, FixTextMatchesFtfy) { EXPECT_EQ(mismatches(&ftfy_fix_text, "fix_text"), 0u); }

TEST(TextFixEncoding, TheIssueExampleIsCleanedAsByTheOriginalTokenizer) {
  EXPECT_EQ(clip_clean_text("s\uFB01\u03B12\u00FC\uFF11\u00CE\u201D68"), "sfi\u03B12\u00FC1\u03B468");
}

TEST(TextFixEncoding, BadnessHeuristic) {
  EXPECT_TRUE(ftfy_is_bad(U"caf\u00C3\u00A9"));
  EXPECT_FALSE(ftfy_is_bad(U"caf\u00E9"));
  EXPECT_FALSE(ftfy_is_bad(U"plain ascii"));
}

// A long mojibake run inside text no single-byte encoding holds: only decode_inconsistent_utf8
// can fix it, and its pattern repeats once per character pair (more than PCRE2's JIT stack holds).
TEST(TextFixEncoding, LongMojibakeRunInsideOtherText) {
  std::u32string in, want;
  for (int i = 0; i < 100000; ++i) {
    in += U"\u00C3\u00A9";
    want += U"\u00E9";
  }
  in += U"\u4E2D";
  want += U"\u4E2D";
  EXPECT_TRUE(ftfy_fix_encoding(in) == want);
}

TEST(TextFixEncoding, C1ControlsAsWindows1252) {
  EXPECT_EQ(fix_c1_control(0x80), 0x20AC);
  EXPECT_EQ(fix_c1_control(0x81), 0x81);  // a hole of windows-1252 stays
  EXPECT_EQ(fix_c1_control(0x9F), 0x0178);
  EXPECT_EQ(fix_c1_control(U'a'), U'a');
}

}  // namespace
}  // namespace ants::clip
