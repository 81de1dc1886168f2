// Content hashes (XXH3-128) for cache keys: fast, stable across runs and machines, not
// cryptographic — a cache key, never a security check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>
#include <string_view>

namespace ants::core {

struct Hash128 {
  uint64_t high = 0, low = 0;
  // 32 lowercase hex digits, high word first.
  std::string hex() const;
  bool operator==(const Hash128&) const = default;
};

Hash128 hash_bytes(std::string_view bytes);
// Hash of the file's bytes (memory-mapped, so large checkpoints are not copied). Throws
// ants::Error(io) naming the file.
Hash128 hash_file(const std::filesystem::path& path);
// hash_file, remembered for the life of the process per (path, size, mtime): a model's
// multi-hundred-megabyte weights are hashed once even when several banks are built from them.
Hash128 hash_file_memo(const std::filesystem::path& path);

// Incremental hashing of several fields. Each add_* is length-prefixed, so ("ab","c") and
// ("a","bc") hash differently.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(std::string_view bytes);
  Hasher& add(uint64_t value);
  Hasher& add(const Hash128& h);
  Hash128 digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Order-sensitive hash of a list of texts, as hex (cache keys of prompt lists and class lists).
std::string texts_hash(const std::vector<std::string>& texts);

}  // namespace ants::core
