#include "ood/embedding-cache.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/file-util.h"
#include "core/hash.h"
#include "test-paths.h"

namespace ants::ood {
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

// A header that lies, with a checksum recomputed to match, must still fail cleanly: the counts
// are checked against the bytes that are there before anything is allocated.
TEST(EmbeddingCacheFormat, LyingCountsWithValidChecksumAreRejected) {
  const std::string good = encode_cache_entry(CacheKind::prompts, "k", sample_entry());
  const size_t rows_at = 8 + 4 + 4 + 8 + 1;  // magic, version, kind, key length, key
  struct Patch {
    size_t offset;
    uint64_t value;
    size_t width;
  };
  for (const Patch& p : {Patch{rows_at, uint64_t{1} << 60, 8}, Patch{rows_at, 4, 8}, Patch{rows_at + 8, 0, 4},
                         Patch{rows_at + 8, 1u << 20, 4}, Patch{rows_at + 12, 1u << 30, 4},
                         Patch{rows_at + 16, 7, 8}, Patch{16, uint64_t{1} << 62, 8}}) {
    std::string bad = good.substr(0, good.size() - 16);
    std::memcpy(bad.data() + p.offset, &p.value, p.width);
    const core::Hash128 sum = core::hash_bytes(bad);
    bad.append(reinterpret_cast<const char*>(&sum.high), 8).append(reinterpret_cast<const char*>(&sum.low), 8);
    CacheEntry out;
    std::string why;
    EXPECT_FALSE(decode_cache_entry(bad, CacheKind::prompts, "k", out, why)) << p.offset;
  }
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

}  // namespace
}  // namespace ants::ood
