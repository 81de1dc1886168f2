#include "ood/embedding-cache.h"

#include <cstring>
#include <limits>

#include "core/cache-dir.h"
#include "core/file-util.h"
#include "core/hash.h"

namespace ants::ood {

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'A', 'N', 'T', 'S', 'T', 'X', 'T', 'E'};
constexpr uint32_t kVersion = 1;
constexpr size_t kChecksumBytes = 16;
constexpr uint32_t kMaxDim = 1u << 16;

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_floats(std::string& out, const std::vector<float>& v) {
  if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Bounded reads: every count is checked against the bytes that are left before it is used.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  size_t left() const { return bytes_.size() - pos_; }

  template <typename T>
  bool get(T& v) {
    if (left() < sizeof v) return false;
    std::memcpy(&v, bytes_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get_bytes(size_t n, std::string_view& v) {
    if (left() < n) return false;
    v = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool get_array(uint64_t n, std::vector<T>& v) {
    if (n > left() / sizeof(T)) return false;
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return true;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

bool bad(std::string& why, std::string reason) {
  why = std::move(reason);
  return false;
}

const char* kind_name(CacheKind kind) {
  switch (kind) {
    case CacheKind::prompts: return "prompts";
    case CacheKind::neglabel_bank: return "neglabel";
    case CacheKind::image: return "image";
  }
  return "unknown";
}

bool decode_body(Reader& r, CacheKind kind, std::string_view key, CacheEntry& out, std::string& why) {
  char magic[8];
  uint32_t version = 0, stored_kind = 0, dim = 0, n_meta = 0;
  uint64_t key_len = 0, rows = 0, n_scores = 0;
  std::string_view stored_key;
  if (!r.get(magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) return bad(why, "not an ants cache file");
  if (!r.get(version) || version != kVersion) return bad(why, "cache format version " + std::to_string(version));
  if (!r.get(stored_kind) || stored_kind != static_cast<uint32_t>(kind)) return bad(why, "wrong entry kind");
  if (!r.get(key_len) || !r.get_bytes(key_len, stored_key)) return bad(why, "truncated key");
  if (stored_key != key) return bad(why, "key does not match its file name");
  if (!r.get(rows) || !r.get(dim) || !r.get(n_meta) || !r.get(n_scores)) return bad(why, "truncated header");
  if (dim == 0 || dim > kMaxDim) return bad(why, "bad embedding width " + std::to_string(dim));
  if (n_scores != 0 && n_scores != rows) return bad(why, "score count differs from row count");
  if (!r.get_array(n_meta, out.meta)) return bad(why, "truncated metadata");
  // Each text takes at least its 4-byte length, which bounds `rows` before reserving.
  if (rows > r.left() / sizeof(uint32_t)) return bad(why, "row count past the end of the file");
  out.texts.clear();
  out.texts.reserve(rows);
  for (uint64_t i = 0; i < rows; ++i) {
    uint32_t len = 0;
    std::string_view text;
    if (!r.get(len) || !r.get_bytes(len, text)) return bad(why, "truncated texts");
    out.texts.emplace_back(text);
  }
  out.dim = static_cast<int>(dim);
  if (rows > std::numeric_limits<uint64_t>::max() / dim || !r.get_array(rows * dim, out.embeddings)) {
    return bad(why, "truncated embeddings");
  }
  if (!r.get_array(n_scores, out.scores)) return bad(why, "truncated scores");
  if (r.left() != 0) return bad(why, "trailing bytes");
  return true;
}

}  // namespace

std::string encode_cache_entry(CacheKind kind, std::string_view key, const CacheEntry& e) {
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<uint32_t>(kind));
  put(out, static_cast<uint64_t>(key.size()));
  out.append(key);
  put(out, static_cast<uint64_t>(e.texts.size()));
  put(out, static_cast<uint32_t>(e.dim));
  put(out, static_cast<uint32_t>(e.meta.size()));
  put(out, static_cast<uint64_t>(e.scores.size()));
  for (uint64_t m : e.meta) put(out, m);
  for (const auto& t : e.texts) {
    put(out, static_cast<uint32_t>(t.size()));
    out.append(t);
  }
  put_floats(out, e.embeddings);
  put_floats(out, e.scores);
  const core::Hash128 sum = core::hash_bytes(out);
  put(out, sum.high);
  put(out, sum.low);
  return out;
}

bool decode_cache_entry(std::string_view bytes, CacheKind kind, std::string_view key, CacheEntry& out,
                        std::string& why) {
  if (bytes.size() < kChecksumBytes) return bad(why, "truncated");
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  core::Hash128 stored;
  std::memcpy(&stored.high, bytes.data() + body.size(), 8);
  std::memcpy(&stored.low, bytes.data() + body.size() + 8, 8);
  if (core::hash_bytes(body) != stored) return bad(why, "checksum mismatch (corrupt or truncated)");
  Reader r(body);
  return decode_body(r, kind, key, out, why);
}

EmbeddingCache::EmbeddingCache(const CacheOptions& options) {
  if (!options.enabled) return;
  dir_ = options.dir.empty() ? core::default_cache_dir() : options.dir;
}

fs::path EmbeddingCache::path_for(CacheKind kind, std::string_view key) const {
  const char* sub = kind == CacheKind::image ? "image-embeddings" : "text-embeddings";
  return dir_ / sub / (std::string(kind_name(kind)) + "-" + core::hash_bytes(key).hex() + ".bin");
}

std::optional<CacheEntry> EmbeddingCache::load(CacheKind kind, std::string_view key,
                                               std::vector<std::string>& warnings) const {
  if (!enabled()) return std::nullopt;
  const fs::path path = path_for(kind, key);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::string bytes;
  try {
    bytes = core::read_file(path);
  } catch (const Error& e) {
    warnings.push_back(std::string(e.what()) + "; recomputing");
    return std::nullopt;
  }
  CacheEntry entry;
  std::string why;
  if (!decode_cache_entry(bytes, kind, key, entry, why)) {
    warnings.push_back(path.string() + ": unusable cache file (" + why + "); recomputing");
    return std::nullopt;
  }
  return entry;
}

void EmbeddingCache::store(CacheKind kind, std::string_view key, const CacheEntry& entry,
                           std::vector<std::string>& warnings) const {
  if (!enabled()) return;
  try {
    core::write_file_atomic(path_for(kind, key), encode_cache_entry(kind, key, entry));
  } catch (const Error& e) {
    warnings.push_back(std::string(e.what()) + " (not cached)");
  }
}

}  // namespace ants::ood

namespace ants {

std::filesystem::path default_cache_dir() { return core::default_cache_dir(); }

}  // namespace ants
