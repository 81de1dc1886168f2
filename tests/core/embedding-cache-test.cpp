#include "core/embedding-cache.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/file-envelope.h"
#include "core/file-util.h"
#include "core/hash.h"
#include "test-paths.h"

namespace ants::core {
namespace {

CacheEntry sample_entry() {
  CacheEntry e;
  e.texts = {"The nice tench.", "", "This is a wooden photo."};
  e.dim = 2;
  e.embeddings = {0.6f, 0.8f, 1.f, 0.f, 0.f, -1.f};
  e.scores = {0.25f, -0.5f, 0.75f};
  e.meta = {1, 42};
  return e;
}

void expect_same(const CacheEntry& a, const CacheEntry& b) {
  EXPECT_EQ(a.texts, b.texts);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.embeddings, b.embeddings);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_EQ(a.meta, b.meta);
}

TEST(EmbeddingCacheFormat, RoundTrips) {
  const std::string bytes = encode_cache_entry(CacheKind::neglabel_bank, "key\nwith lines", sample_entry());
  CacheEntry out;
  std::string why;
  ASSERT_TRUE(decode_cache_entry(bytes, CacheKind::neglabel_bank, "key\nwith lines", out, why)) << why;
  expect_same(out, sample_entry());
  CacheEntry plain;
  plain.texts = {"a"};
  plain.dim = 1;
  plain.embeddings = {1.f};
  ASSERT_TRUE(decode_cache_entry(encode_cache_entry(CacheKind::prompts, "k", plain), CacheKind::prompts, "k", out, why));
  expect_same(out, plain);
}

TEST(EmbeddingCacheFormat, WrongKeyOrKindIsRejected) {
  const std::string bytes = encode_cache_entry(CacheKind::prompts, "model A", sample_entry());
  CacheEntry out;
  std::string why;
  EXPECT_FALSE(decode_cache_entry(bytes, CacheKind::prompts, "model B", out, why));
  EXPECT_NE(why.find("key"), std::string::npos);
  EXPECT_FALSE(decode_cache_entry(bytes, CacheKind::neglabel_bank, "model A", out, why));
}

TEST(EmbeddingCacheFormat, EveryTruncationIsRejected) {
  const std::string bytes = encode_cache_entry(CacheKind::prompts, "k", sample_entry());
  for (size_t n = 0; n < bytes.size(); ++n) {
    CacheEntry out;
    std::string why;
    EXPECT_FALSE(decode_cache_entry(std::string_view(bytes).substr(0, n), CacheKind::prompts, "k", out, why)) << n;
    EXPECT_FALSE(why.empty());
  }
}

TEST(EmbeddingCacheFormat, EveryFlippedByteIsRejected) {
  const std::string bytes = encode_cache_entry(CacheKind::prompts, "k", sample_entry());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    CacheEntry out;
    std::string why;
    EXPECT_FALSE(decode_cache_entry(bad, CacheKind::prompts, "k", out, why)) << i;
  }
}

// Lies in the head, with the checksum made to match, must still fail cleanly: the counts are
// checked against the payload before anything is allocated.
TEST(EmbeddingCacheFormat, LyingCountsWithValidChecksumAreRejected) {
  const core::EnvelopeFormat format{"ANTSTXTE", 2, 0, "cache"};
  const std::string bytes = encode_cache_entry(CacheKind::prompts, "k", sample_entry());
  const core::Envelope good = core::decode_envelope(bytes, format, "");
  const std::string payload(good.payload);
  const auto lie = [&](const char* field, const nlohmann::json& value) {
    nlohmann::json head = good.head;
    head[field] = value;
    return core::encode_envelope(format, head, payload);
  };
  std::string long_text = payload;  // the first text's length runs past the end
  const uint32_t huge = 1u << 30;
  std::memcpy(long_text.data(), &huge, 4);
  for (const std::string& bad :
       {lie("rows", uint64_t{1} << 60), lie("rows", 4), lie("rows", -1), lie("dim", 0), lie("dim", 1u << 20),
        lie("dim", uint64_t{1} << 62), lie("scores", 7), lie("meta", "x"), lie("meta", {-1}), lie("key", 5),
        lie("kind", "image"), core::encode_envelope(format, good.head, long_text),
        core::encode_envelope(format, good.head, payload + "x")}) {
    CacheEntry out;
    std::string why;
    EXPECT_FALSE(decode_cache_entry(bad, CacheKind::prompts, "k", out, why))
        << core::decode_envelope(bad, format, "").head << " " << core::decode_envelope(bad, format, "").payload.size();
  }
}

TEST(EmbeddingCacheFormat, KeysThatAreNotUtf8RoundTrip) {
  const std::string key = "image \xff\xfe.png";
  const std::string bytes = encode_cache_entry(CacheKind::image, key, sample_entry());
  CacheEntry out;
  std::string why;
  ASSERT_TRUE(decode_cache_entry(bytes, CacheKind::image, key, out, why)) << why;
  expect_same(out, sample_entry());
  // Not merely its UTF-8 repair: the key is compared byte for byte.
  EXPECT_FALSE(decode_cache_entry(bytes, CacheKind::image, "image \xef\xbf\xbd\xef\xbf\xbd.png", out, why));
}

TEST(EmbeddingCache, StoresLoadsAndWarnsAboutCorruptFiles) {
  const EmbeddingCache cache(CacheOptions{true, test::temp_dir() / "cache"});
  std::vector<std::string> warnings;
  EXPECT_FALSE(cache.load(CacheKind::prompts, "k", warnings));
  EXPECT_TRUE(warnings.empty());  // absent is a plain miss
  cache.store(CacheKind::prompts, "k", sample_entry(), warnings);
  const auto path = cache.path_for(CacheKind::prompts, "k");
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(path.parent_path(), test::temp_dir() / "cache" / "text-embeddings");
  auto loaded = cache.load(CacheKind::prompts, "k", warnings);
  ASSERT_TRUE(loaded);
  expect_same(*loaded, sample_entry());
  EXPECT_TRUE(warnings.empty());
  std::string bytes = core::read_file(path);
  core::write_file_atomic(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(cache.load(CacheKind::prompts, "k", warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path.string()), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("recomputing"), std::string::npos) << warnings[0];
}

TEST(EmbeddingCache, DisabledCacheNeitherReadsNorWrites) {
  const auto dir = test::temp_dir() / "cache";
  const EmbeddingCache cache(CacheOptions{false, dir});
  EXPECT_FALSE(cache.enabled());
  std::vector<std::string> warnings;
  cache.store(CacheKind::prompts, "k", sample_entry(), warnings);
  EXPECT_FALSE(cache.load(CacheKind::prompts, "k", warnings));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(warnings.empty());
}

TEST(EmbeddingCache, UnwritableDirectoryIsAWarning) {
  const auto blocker = test::temp_dir() / "not-a-dir";
  core::write_file_atomic(blocker, "x");
  const EmbeddingCache cache(CacheOptions{true, blocker});
  std::vector<std::string> warnings;
  cache.store(CacheKind::prompts, "k", sample_entry(), warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not cached"), std::string::npos) << warnings[0];
}

TEST(EmbeddingCache, AFlippedPayloadByteIsAWarningAndAMiss) {
  const EmbeddingCache cache(CacheOptions{true, test::temp_dir() / "cache"});
  std::vector<std::string> warnings;
  cache.store(CacheKind::prompts, "k", sample_entry(), warnings);
  const auto path = cache.path_for(CacheKind::prompts, "k");
  std::string bytes = core::read_file(path);
  bytes[bytes.size() - 16 - 2] ^= 0x01;  // inside the last score, just before the checksum
  core::write_file_atomic(path, bytes);
  EXPECT_FALSE(cache.load(CacheKind::prompts, "k", warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path.string()), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("checksum"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("recomputing"), std::string::npos) << warnings[0];
}

// Entries written before the envelope (version 1: "ANTSTXTE" | u32 1 | u32 kind | ...) have no
// reader: the cache is recomputable, so they are a miss with a warning and get rewritten.
// After an upgrade every entry is of the old version: recomputed without a warning each.
TEST(EmbeddingCache, AnEntryOfVersion1IsASilentMiss) {
  const EmbeddingCache cache(CacheOptions{true, test::temp_dir() / "cache"});
  const auto path = cache.path_for(CacheKind::prompts, "k");
  std::string v1 = "ANTSTXTE";
  const uint32_t version = 1, kind = 1;
  v1.append(reinterpret_cast<const char*>(&version), 4).append(reinterpret_cast<const char*>(&kind), 4);
  core::write_file_atomic(path, v1 + std::string(64, '\0'));
  std::vector<std::string> warnings;
  EXPECT_FALSE(cache.load(CacheKind::prompts, "k", warnings));
  EXPECT_TRUE(warnings.empty());
  cache.store(CacheKind::prompts, "k", sample_entry(), warnings);
  const auto again = cache.load(CacheKind::prompts, "k", warnings);
  ASSERT_TRUE(again);
  expect_same(*again, sample_entry());
  EXPECT_TRUE(warnings.empty());
}

}  // namespace
}  // namespace ants::core
