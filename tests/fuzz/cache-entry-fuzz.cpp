// An embedding-cache entry left by another run, or by a crash: the envelope, its head and the
// text/embedding/score payload, for each entry kind. Input: one byte (kind, and whether to
// reseal the checksum), then the entry.
#include "core/embedding-cache.h"
#include "fuzz-common.h"

using namespace ants;

namespace {

constexpr std::string_view kKey = "fuzz-key";
constexpr core::CacheKind kKinds[] = {core::CacheKind::prompts, core::CacheKind::neglabel_bank, core::CacheKind::image};

void write_seeds(const fuzz::fs::path& dir) {
  core::CacheEntry e;
  e.texts = {"a photo of a cat.", "a photo of a dog."};
  e.dim = 4;
  e.embeddings = {0.5f, 0.5f, 0.5f, 0.5f, 1, 0, 0, 0};
  for (size_t k = 0; k < 3; ++k) {
    core::CacheEntry entry = e;
    if (kKinds[k] == core::CacheKind::neglabel_bank) {
      entry.scores = {0.25f, 0.75f};
      entry.meta = {1, 2, 3};
    }
    if (kKinds[k] == core::CacheKind::image) {
      entry.texts = {"0123456789abcdef0123456789abcdef"};
      entry.embeddings.resize(4);
    }
    const std::string bytes = std::string(1, static_cast<char>(2 * k + 1)) + core::encode_cache_entry(kKinds[k], kKey, entry);
    fuzz::write_file(dir / ("kind-" + std::to_string(k)), bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = fuzz::seed_dir()) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const core::CacheKind kind = kKinds[(data[0] >> 1) % 3];
  std::string bytes(fuzz::as_view(data + 1, size - 1));
  if (data[0] & 1) bytes = fuzz::reseal(std::move(bytes));
  core::CacheEntry entry;
  std::string why;
  if (core::decode_cache_entry(bytes, kind, kKey, entry, why)) {
    // What a reader relies on when the entry is accepted.
    if (entry.dim <= 0 || entry.embeddings.size() != entry.texts.size() * static_cast<size_t>(entry.dim) ||
        (!entry.scores.empty() && entry.scores.size() != entry.texts.size()))
      std::abort();
  }
  return 0;
}
