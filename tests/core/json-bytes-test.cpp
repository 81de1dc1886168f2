#include "core/json-bytes.h"

#include <gtest/gtest.h>

namespace ants::core {
namespace {

using nlohmann::json;

TEST(JsonBytes, ValidUtf8StaysAPlainString) {
  for (const std::string& s : {std::string(), std::string("img-1.jpg"),
                                std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x88"), std::string("nul\0in", 6)}) {
    const json j = bytes_to_json(s);
    ASSERT_TRUE(j.is_string()) << j.dump();
    EXPECT_EQ(bytes_from_json(j), s);
  }
}

TEST(JsonBytes, AnyOtherBytesRoundTripExactlyThroughHex) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  // Invalid lead and continuation bytes, an overlong '/', a surrogate, a code point past U+10FFFF, a cut sequence.
  for (const std::string& s : {std::string("img-\xff\xfe.png"), std::string("\x80"), std::string("\xc0\xaf"),
                              std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("caf\xc3"),
                              every_byte}) {
    const json j = bytes_to_json(s);
    ASSERT_TRUE(j.is_object()) << s;
    EXPECT_EQ(bytes_from_json(json::parse(j.dump())), s);  // dump never throws: the object is ASCII
  }
  EXPECT_EQ(bytes_to_json("\xff\x01"), (json{{"hex", "ff01"}}));
}

TEST(JsonBytes, AnythingElseIsRefused) {
  for (const json& j : {json(1), json(nullptr), json::array({"a"}), json{{"hex", "abc"}}, json{{"hex", "zz"}},
                        json{{"hex", "AB"}}, json{{"hex", 12}}, json{{"hex", "ab"}, {"more", 1}}, json::object()}) {
    EXPECT_FALSE(bytes_from_json(j).has_value()) << j.dump();
  }
}

}  // namespace
}  // namespace ants::core
