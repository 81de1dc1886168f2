#include "core/hash.h"

#include <xxhash.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>

#include "core/error.h"
#include "core/mapped-file.h"

namespace ants::core {

namespace {

Hash128 from_xxh(XXH128_hash_t h) { return {h.high64, h.low64}; }

}  // namespace

std::string Hash128::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return buf;
}

Hash128 hash_bytes(std::string_view bytes) { return from_xxh(XXH3_128bits(bytes.data(), bytes.size())); }

Hash128 hash_file(const std::filesystem::path& path) {
  MappedFile file(path);
  auto bytes = file.bytes();
  return from_xxh(XXH3_128bits(bytes.data(), bytes.size()));
}

Hash128 hash_file_memo(const std::filesystem::path& path) {
  using Key = std::tuple<std::string, uintmax_t, std::filesystem::file_time_type::rep>;
  static std::mutex mutex;
  static std::map<Key, Hash128> memo;
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec);
  const uintmax_t size = std::filesystem::file_size(path, ec);
  const auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return hash_file(path);  // let hash_file report the problem
  const Key key{abs.string(), size, mtime.time_since_epoch().count()};
  {
    std::lock_guard lock(mutex);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
  }
  const Hash128 h = hash_file(path);
  std::lock_guard lock(mutex);
  memo[key] = h;
  return h;
}

struct Hasher::State {
  XXH3_state_t* xxh = nullptr;
};

Hasher::Hasher() : state_(std::make_unique<State>()) {
  state_->xxh = XXH3_createState();
  if (state_->xxh == nullptr) fail(ErrorCode::internal, "hash", "out of memory");
  XXH3_128bits_reset(state_->xxh);
}

Hasher::~Hasher() { XXH3_freeState(state_->xxh); }

Hasher& Hasher::add(std::string_view bytes) {
  add(static_cast<uint64_t>(bytes.size()));
  XXH3_128bits_update(state_->xxh, bytes.data(), bytes.size());
  return *this;
}

Hasher& Hasher::add(uint64_t value) {
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(value >> (8 * i));
  XXH3_128bits_update(state_->xxh, le, sizeof le);
  return *this;
}

Hasher& Hasher::add(const Hash128& h) { return add(h.high).add(h.low); }

Hash128 Hasher::digest() const { return from_xxh(XXH3_128bits_digest(state_->xxh)); }

std::string texts_hash(const std::vector<std::string>& texts) {
  Hasher h;
  h.add(static_cast<uint64_t>(texts.size()));
  for (const auto& t : texts) h.add(t);
  return h.digest().hex();
}

}  // namespace ants::core
