// On-disk cache of embeddings (NegLabel candidates, negative-prompt files, finished NegLabel
// banks; and single images under image-embeddings/). Entries are recomputable, so every problem
// reading one is a warning and a miss.
//
// File: <cache dir>/text-embeddings/<kind>-<XXH3-128 of the key, hex>.bin, written atomically:
// a core/file-envelope.h file ("ANTSTXTE", version 2) whose
//   head: {"kind": "prompts"|"neglabel"|"image", "key": the full key text (compared on read;
//          core/json-bytes.h), "rows", "dim", "scores": 0 or rows, "meta": [u64...]}
//   payload: rows × (u32 length, bytes) texts | f32 embeddings[rows × dim] | f32 scores[scores]
// Entries of version 1 (before the envelope) are misses and get rewritten.
#pragma once

#include <ants/cache.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants::core {

enum class CacheKind : uint32_t {
  prompts = 1,        // texts + embeddings
  neglabel_bank = 2,  // texts + embeddings + q (scores) + meta (n_adjectives, corpus counts)
  image = 3,          // one image: texts = {file content hash}, one embedding row
};

struct CacheEntry {
  std::vector<std::string> texts;
  int dim = 0;
  std::vector<float> embeddings;  // texts.size() × dim
  std::vector<float> scores;      // empty or texts.size()
  std::vector<uint64_t> meta;
};

std::string encode_cache_entry(CacheKind kind, std::string_view key, const CacheEntry& entry);
// False with the reason in `why` unless `bytes` is a complete, intact entry of `kind` and `key`.
bool decode_cache_entry(std::string_view bytes, CacheKind kind, std::string_view key, CacheEntry& out,
                        std::string& why);

class EmbeddingCache {
 public:
  // Disabled (load misses, store does nothing) when !options.enabled or there is no directory.
  explicit EmbeddingCache(const CacheOptions& options);
  bool enabled() const { return !dir_.empty(); }
  std::filesystem::path path_for(CacheKind kind, std::string_view key) const;
  // nullopt when absent; a file that cannot be used adds a warning naming it.
  std::optional<CacheEntry> load(CacheKind kind, std::string_view key, std::vector<std::string>& warnings) const;
  // A failed write adds a warning.
  void store(CacheKind kind, std::string_view key, const CacheEntry& entry, std::vector<std::string>& warnings) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace ants::core
