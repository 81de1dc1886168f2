#include "core/embedding-cache.h"

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/byte-reader.h"
#include "core/cache-dir.h"
#include "core/error.h"
#include "core/file-envelope.h"
#include "core/file-util.h"
#include "core/hash.h"
#include "core/json-bytes.h"

namespace ants::core {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Version 1 (before the envelope) has no reader: an entry of it is a silent miss (an upgrade is
// not damage), recomputed and rewritten in this version.
constexpr core::EnvelopeFormat kFormat{"ANTSTXTE", 2, 0, "cache"};

bool is_older_version(std::string_view bytes) {
  const auto version = core::envelope_version(bytes, kFormat);
  return version && *version < kFormat.version;
}
constexpr uint64_t kMaxDim = 1u << 16;

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_floats(std::string& out, const std::vector<float>& v) {
  if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

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

bool get_count(const json& head, const char* name, uint64_t& v) {
  const auto it = head.find(name);
  if (it == head.end() || !it->is_number_unsigned()) return false;
  v = it->get<uint64_t>();
  return true;
}

bool get_meta(const json& head, std::vector<uint64_t>& meta) {
  const auto it = head.find("meta");
  if (it == head.end() || !it->is_array()) return false;
  meta.clear();
  for (const auto& m : *it) {
    if (!m.is_number_unsigned()) return false;
    meta.push_back(m.get<uint64_t>());
  }
  return true;
}

// The head's counts against the payload: nothing is reserved before it is known to fit.
bool decode_payload(ByteReader& r, uint64_t rows, uint64_t dim, uint64_t n_scores, CacheEntry& out, std::string& why) {
  // Each text takes at least its 4-byte length, which bounds `rows` before reserving.
  if (rows > r.left() / sizeof(uint32_t)) return bad(why, "row count past the end of the file");
  out.texts.clear();
  out.texts.reserve(rows);
  for (uint64_t i = 0; i < rows; ++i) {
    uint32_t len = 0;
    std::string_view text;
    if (!r.get(len) || !r.take(len, text)) return bad(why, "truncated texts");
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
  const json head{{"kind", kind_name(kind)}, {"key", core::bytes_to_json(key)},
                  {"rows", e.texts.size()},   {"dim", e.dim},
                  {"scores", e.scores.size()}, {"meta", e.meta}};
  std::string payload;
  for (const auto& t : e.texts) {
    put(payload, static_cast<uint32_t>(t.size()));
    payload.append(t);
  }
  put_floats(payload, e.embeddings);
  put_floats(payload, e.scores);
  return core::encode_envelope(kFormat, head, payload);
}

bool decode_cache_entry(std::string_view bytes, CacheKind kind, std::string_view key, CacheEntry& out,
                        std::string& why) {
  core::Envelope env;
  try {
    env = core::decode_envelope(bytes, kFormat, "");
  } catch (const Error& e) {
    return bad(why, e.what());
  }
  const json& h = env.head;
  uint64_t rows = 0, dim = 0, n_scores = 0;
  if (h.value("kind", json()) != kind_name(kind)) return bad(why, "wrong entry kind");
  const std::optional<std::string> stored_key = core::bytes_from_json(h.value("key", json()));
  if (!stored_key || *stored_key != key) return bad(why, "key does not match its file name");
  if (!get_count(h, "rows", rows) || !get_count(h, "dim", dim) || !get_count(h, "scores", n_scores) ||
      !get_meta(h, out.meta)) {
    return bad(why, "missing or negative counts in the head");
  }
  if (dim == 0 || dim > kMaxDim) return bad(why, "bad embedding width " + std::to_string(dim));
  if (n_scores != 0 && n_scores != rows) return bad(why, "score count differs from row count");
  ByteReader r{env.payload};
  return decode_payload(r, rows, dim, n_scores, out, why);
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
  if (is_older_version(bytes)) return std::nullopt;
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

}  // namespace ants::core

namespace ants {

std::filesystem::path default_cache_dir() { return core::default_cache_dir(); }

}  // namespace ants
