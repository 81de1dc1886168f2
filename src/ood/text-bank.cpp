// Embedding prompt lists: batching by token length, progress, the prompt cache, prompt files.
#include "ood/text-bank.h"

#include <algorithm>
#include <cmath>

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

// out = the mean of rows [first, first + n) of `raw`, L2-normalised (in the reference's order:
// average, then normalise).
void average_rows(const FeatureMatrix& raw, size_t first, size_t n, float* out) {
  const int dim = raw.dim;
  std::fill(out, out + dim, 0.f);
  for (size_t j = 0; j < n; ++j) {
    const float* r = raw.row(first + j);
    for (int d = 0; d < dim; ++d) out[d] += r[d];
  }
  double norm = 0;
  for (int d = 0; d < dim; ++d) {
    out[d] /= static_cast<float>(n);
    norm += static_cast<double>(out[d]) * out[d];
  }
  const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.f;
  for (int d = 0; d < dim; ++d) out[d] *= inv;
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

TextBank embed_ensembles_cached(const TextModel& model, const std::vector<std::string>& prompts, size_t per,
                                const std::vector<std::string>& labels, const core::EmbeddingCache& cache,
                                const ProgressFn& progress, int batch, std::vector<std::string>& warnings, bool* hit) {
  if (per == 0 || prompts.size() != per * labels.size())
    core::fail(ErrorCode::internal, "embed_ensembles_cached", "prompts do not split into the labels' ensembles");
  const int dim = model.embed_dim();
  const std::string key =
      cache.enabled() ? "ants prompt ensembles\nper=" + std::to_string(per) + "\n" + prompts_key(model, prompts) : "";
  if (auto entry = cache.load(core::CacheKind::prompts, key, warnings)) {
    if (matches(*entry, labels, dim)) {
      if (hit != nullptr) *hit = true;
      return TextBank{std::move(entry->texts), FeatureMatrix{labels.size(), dim, std::move(entry->embeddings)}};
    }
    warnings.push_back(cache.path_for(core::CacheKind::prompts, key).string() + ": cache file holds other prompts; recomputing");
  }
  if (hit != nullptr) *hit = false;
  TextBank bank{labels, FeatureMatrix{labels.size(), dim, std::vector<float>(labels.size() * static_cast<size_t>(dim))}};
  // A chunk of ensembles at a time: CSP's pool is ~450,000 prompts, whose raw rows at once would
  // take ~1 GB at 512 dimensions.
  constexpr size_t kChunk = 2048;
  for (size_t first = 0; first < labels.size(); first += kChunk) {
    const size_t n = std::min(kChunk, labels.size() - first);
    const std::vector<std::string> part(prompts.begin() + static_cast<std::ptrdiff_t>(first * per),
                                        prompts.begin() + static_cast<std::ptrdiff_t>((first + n) * per));
    const ProgressFn report = [&progress, first, per, total = prompts.size()](size_t done, size_t) {
      if (progress) progress(first * per + done, total);
    };
    const FeatureMatrix raw = model.encode_texts_unnormalized(part, batch, report);
    for (size_t i = 0; i < n; ++i) average_rows(raw, i * per, per, bank.features.row(first + i));
  }
  cache.store(core::CacheKind::prompts, key, core::CacheEntry{bank.prompts, dim, bank.features.data, {}, {}}, warnings);
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
