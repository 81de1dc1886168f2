// Embedding prompt lists: batching by token length, progress, the prompt cache, prompt files.
#include "ood/text-bank.h"

#include <algorithm>

#include "core/error.h"
#include "core/hash.h"
#include "core/file-util.h"

namespace ants::ood {

namespace {

std::string prompts_key(const TextModel& model, const std::vector<std::string>& prompts) {
  return "ants prompt embeddings\n" + model.fingerprint() + "texts=" + core::texts_hash(prompts) + "\n";
}

bool matches(const core::CacheEntry& e, const std::vector<std::string>& prompts, int dim) {
  return e.dim == dim && e.texts == prompts && e.embeddings.size() == prompts.size() * static_cast<size_t>(dim);
}

std::string_view without_trailing_cr(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r\v\f") == std::string_view::npos; }

std::vector<std::string> read_prompt_lines(const std::filesystem::path& path) {
  const std::string text = core::read_file(path);
  std::vector<std::string> prompts;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    line = without_trailing_cr(line.substr(0, line.find('\t')));
    if (is_blank(line) || line.starts_with('#')) continue;
    prompts.emplace_back(line);
  }
  if (prompts.empty()) core::fail(ErrorCode::format, path.string(), "no prompts");
  return prompts;
}

}  // namespace

core::EmbeddingCache text_cache(const TextModel& model, const CacheOptions& options) {
  if (!model.fingerprint().empty()) return core::EmbeddingCache(options);
  return core::EmbeddingCache(CacheOptions{false, {}});
}

TextBank embed_prompts_cached(const TextModel& model, const std::vector<std::string>& prompts,
                              const core::EmbeddingCache& cache, const ProgressFn& progress, int batch,
                              std::vector<std::string>& warnings, bool* hit) {
  const int dim = model.embed_dim();
  const std::string key = cache.enabled() ? prompts_key(model, prompts) : std::string();
  if (auto entry = cache.load(core::CacheKind::prompts, key, warnings)) {
    if (matches(*entry, prompts, dim)) {
      if (hit != nullptr) *hit = true;
      const size_t rows = entry->texts.size();
      return TextBank{std::move(entry->texts), FeatureMatrix{rows, dim, std::move(entry->embeddings)}};
    }
    warnings.push_back(cache.path_for(core::CacheKind::prompts, key).string() + ": cache file holds other prompts; recomputing");
  }
  if (hit != nullptr) *hit = false;
  TextBank bank{prompts, model.encode_texts(prompts, batch, progress)};
  cache.store(core::CacheKind::prompts, key, core::CacheEntry{bank.prompts, bank.features.dim, bank.features.data, {}, {}}, warnings);
  return bank;
}

}  // namespace ants::ood

namespace ants {

TextBank read_negatives_file(const TextModel& model, const std::filesystem::path& path, const CacheOptions& cache,
                             const ProgressFn& progress, std::vector<std::string>* warnings, int text_batch) {
  std::vector<std::string> local;
  return ood::embed_prompts_cached(model, ood::read_prompt_lines(path), ood::text_cache(model, cache), progress,
                                   text_batch, warnings != nullptr ? *warnings : local);
}

}  // namespace ants
