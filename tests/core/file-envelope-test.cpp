#include "core/file-envelope.h"

#include <ants/error.h>
#include <gtest/gtest.h>

#include <cstring>

#include "core/file-util.h"
#include "core/hash.h"
#include "test-paths.h"

namespace ants::core {
namespace {

using nlohmann::json;
constexpr EnvelopeFormat kTest{"ANTSTEST", 3, 0, "test"};
constexpr EnvelopeFormat kWithOld{"ANTSTEST", 3, 2, "test"};

// The code and message of decode_envelope's error; "accepted" when it accepted the bytes.
std::pair<ErrorCode, std::string> refusal(std::string_view bytes, const EnvelopeFormat& f = kTest) {
  try {
    decode_envelope(bytes, f, "x.bin");
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::internal, "accepted"};
}

TEST(FileEnvelope, RoundTripsHeadAndPayload) {
  const std::string payload("\0\1binary\xff", 10);
  const std::string bytes = encode_envelope(kTest, {{"rows", 3}, {"name", "a"}}, payload);
  const Envelope e = decode_envelope(bytes, kTest, "x.bin");
  EXPECT_EQ(e.version, 3u);
  EXPECT_EQ(e.head, (json{{"rows", 3}, {"name", "a"}}));
  EXPECT_EQ(e.payload, payload);
  EXPECT_EQ(decode_envelope(encode_envelope(kTest, json::object(), ""), kTest, "x.bin").payload, "");
}

TEST(FileEnvelope, ByteLayout) {
  const std::string bytes = encode_envelope(kTest, {{"a", 1}}, "PAY");
  const std::string head = R"({"a":1})";
  ASSERT_EQ(bytes.size(), 8 + 4 + 8 + head.size() + 8 + 3 + 16);
  EXPECT_EQ(bytes.substr(0, 8), "ANTSTEST");
  uint32_t version = 0;
  uint64_t head_len = 0, payload_len = 0;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&head_len, bytes.data() + 12, 8);
  EXPECT_EQ(version, 3u);
  EXPECT_EQ(head_len, head.size());
  EXPECT_EQ(bytes.substr(20, head.size()), head);
  std::memcpy(&payload_len, bytes.data() + 20 + head.size(), 8);
  EXPECT_EQ(payload_len, 3u);
  EXPECT_EQ(bytes.substr(28 + head.size(), 3), "PAY");
  const Hash128 sum = hash_bytes(std::string_view(bytes).substr(0, bytes.size() - 16));
  uint64_t high = 0, low = 0;
  std::memcpy(&high, bytes.data() + bytes.size() - 16, 8);
  std::memcpy(&low, bytes.data() + bytes.size() - 8, 8);
  EXPECT_EQ(Hash128({high, low}), sum);
}

TEST(FileEnvelope, InvalidUtf8InTheHeadIsReplacedNotThrown) {
  const std::string bytes = encode_envelope(kTest, {{"name", "img-\xff\xfe.png"}}, "");
  EXPECT_EQ(decode_envelope(bytes, kTest, "x.bin").head["name"], "img-\xEF\xBF\xBD\xEF\xBF\xBD.png");
}

TEST(FileEnvelope, EveryFlippedByteAndEveryTruncationIsAnErrorNamingTheFile) {
  const std::string good = encode_envelope(kTest, {{"rows", 3}}, "payload");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    const auto [code, what] = refusal(bad);
    EXPECT_NE(what, "accepted") << "flipped byte " << i;
    EXPECT_TRUE(what.starts_with("x.bin: ")) << what;
    const bool version_byte = i >= 8 && i < 12;
    EXPECT_EQ(code, version_byte ? ErrorCode::unsupported : ErrorCode::format) << i << ": " << what;
  }
  for (size_t n = 0; n < good.size(); ++n) {
    const auto [code, what] = refusal(std::string_view(good).substr(0, n));
    EXPECT_EQ(code, ErrorCode::format) << n << ": " << what;
    EXPECT_TRUE(what.starts_with("x.bin: ")) << what;
  }
  EXPECT_NE(refusal(good + "x").second.find("checksum"), std::string::npos);
}

TEST(FileEnvelope, RefusesOtherMagicsAndVersions) {
  EXPECT_EQ(refusal("ANTSSNAP" + std::string(40, '\0')),
            std::make_pair(ErrorCode::format, std::string("x.bin: not an ants test file")));
  const std::string v4 = encode_envelope({"ANTSTEST", 4, 0, "test"}, json::object(), "");
  EXPECT_EQ(refusal(v4), std::make_pair(ErrorCode::unsupported, std::string("x.bin: test version 4, expected 3")));
  const std::string v2 = encode_envelope({"ANTSTEST", 2, 0, "test"}, json::object(), "");
  EXPECT_EQ(refusal(v2).first, ErrorCode::unsupported);  // no unchecked layout for this format
}

// Lengths that lie, with a checksum recomputed to match, are refused without allocating them.
TEST(FileEnvelope, LyingLengthsWithAValidChecksumAreRefused) {
  const std::string good = encode_envelope(kTest, {{"a", 1}}, "PAY");
  const size_t head_len_at = 12, payload_len_at = 20 + 7;
  for (const auto& [at, value] : std::vector<std::pair<size_t, uint64_t>>{
           {head_len_at, ~uint64_t{0}}, {head_len_at, 1u << 30}, {head_len_at, 6}, {head_len_at, 8},
           {payload_len_at, ~uint64_t{0}}, {payload_len_at, 2}, {payload_len_at, 4}}) {
    std::string bad = good.substr(0, good.size() - 16);
    std::memcpy(bad.data() + at, &value, 8);
    const Hash128 sum = hash_bytes(bad);
    bad.append(reinterpret_cast<const char*>(&sum.high), 8).append(reinterpret_cast<const char*>(&sum.low), 8);
    EXPECT_EQ(refusal(bad).first, ErrorCode::format) << at << " " << value << ": " << refusal(bad).second;
  }
}

TEST(FileEnvelope, AHeadThatIsNotAJsonObjectIsAFormatError) {
  for (const json& head : {json::array(), json(3), json("text")}) {
    const auto [code, what] = refusal(encode_envelope(kTest, head, ""));
    EXPECT_EQ(code, ErrorCode::format);
    EXPECT_NE(what.find("not a JSON object"), std::string::npos) << what;
  }
}

// The layout before envelopes: magic | u32 version | u64 H | head | payload to the end.
std::string unchecked(uint32_t version, const std::string& head, const std::string& payload) {
  std::string out = "ANTSTEST";
  const uint64_t n = head.size();
  out.append(reinterpret_cast<const char*>(&version), 4).append(reinterpret_cast<const char*>(&n), 8);
  return out + head + payload;
}

TEST(FileEnvelope, TheUncheckedOldLayoutIsReadWhereTheFormatHasOne) {
  const std::string old = unchecked(2, R"({"rows":2})", "PAYLOAD");
  const Envelope e = decode_envelope(old, kWithOld, "x.bin");
  EXPECT_EQ(e.version, 2u);
  EXPECT_EQ(e.head, (json{{"rows", 2}}));
  EXPECT_EQ(e.payload, "PAYLOAD");
  EXPECT_EQ(refusal(old).first, ErrorCode::unsupported);
  EXPECT_EQ(refusal(unchecked(2, "{not json", ""), kWithOld).first, ErrorCode::format);
  EXPECT_EQ(refusal(old.substr(0, 25), kWithOld).first, ErrorCode::format);  // head cut short
  // The current version of the same format still needs its checksum.
  EXPECT_EQ(refusal(unchecked(3, R"({"rows":2})", "PAYLOAD"), kWithOld).first, ErrorCode::format);
}

TEST(FileEnvelope, WriteIsAtomicAndReadable) {
  const auto path = test::temp_dir() / "sub" / "e.bin";
  write_envelope(path, kTest, {{"k", "v"}}, "data");
  const std::string bytes = read_file(path);
  EXPECT_EQ(decode_envelope(bytes, kTest, path.string()).payload, "data");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1);  // no temporary left
}

}  // namespace
}  // namespace ants::core
