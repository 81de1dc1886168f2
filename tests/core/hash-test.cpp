#include "core/hash.h"

#include <ants/error.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/file-util.h"
#include "test-paths.h"

namespace ants::core {
namespace {

TEST(Hash, KnownXxh3Vector) {
  // XXH3_128bits("") from the xxHash reference test vectors.
  EXPECT_EQ(hash_bytes("").hex(), "99aa06d3014798d86001c324468d497f");
}

TEST(Hash, HexIs32LowercaseDigits) {
  const std::string hex = hash_bytes("ants").hex();
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Hash, OneByteChangesTheHash) {
  EXPECT_EQ(hash_bytes("The nice tench."), hash_bytes("The nice tench."));
  EXPECT_NE(hash_bytes("The nice tench."), hash_bytes("The nice tench!"));
}

TEST(Hash, FileHashEqualsBytesHash) {
  const auto path = test::temp_dir() / "f.bin";
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  write_file_atomic(path, data);
  EXPECT_EQ(hash_file(path), hash_bytes(data));
  write_file_atomic(test::temp_dir() / "empty", "");
  EXPECT_EQ(hash_file(test::temp_dir() / "empty"), hash_bytes(""));
}

TEST(Hash, MissingFileIsIoErrorNamingIt) {
  try {
    hash_file("/nonexistent/weights.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/weights.safetensors"), std::string::npos);
  }
}

TEST(Hash, MemoSeesRewrittenFiles) {
  const auto path = test::temp_dir() / "w.bin";
  write_file_atomic(path, "first version");
  EXPECT_EQ(hash_file_memo(path), hash_bytes("first version"));
  EXPECT_EQ(hash_file_memo(path), hash_bytes("first version"));
  write_file_atomic(path, "second, longer version");  // new size (and inode): a new memo key
  EXPECT_EQ(hash_file_memo(path), hash_bytes("second, longer version"));
}

TEST(Hash, HasherFieldsAreLengthPrefixed) {
  Hasher a, b, c;
  a.add(std::string_view("ab")).add(std::string_view("c"));
  b.add(std::string_view("a")).add(std::string_view("bc"));
  c.add(std::string_view("ab")).add(std::string_view("c"));
  EXPECT_NE(a.digest(), b.digest());
  EXPECT_EQ(a.digest(), c.digest());
  Hasher d, e;
  d.add(uint64_t{1});
  e.add(uint64_t{2});
  EXPECT_NE(d.digest(), e.digest());
}

}  // namespace
}  // namespace ants::core
