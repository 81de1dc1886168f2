// Embedding prompt lists: batching by token length, progress, the prompt cache, prompt files.
#include "ood/text-bank.h"

#include <algorithm>
#include <exception>
#include <numeric>

#include "core/cpu.h"
#include "core/error.h"
#include "core/file-util.h"
#include "ood/cache-key.h"

namespace ants::ood {

namespace {

// The tokenizer is the serial part of encoding short texts with a small model, and it is
// thread-safe, so the texts are split over the model's threads.
std::vector<std::vector<int32_t>> tokenize_all(const ClipModel& model, const std::vector<std::string>& texts) {
  std::vector<std::vector<int32_t>> ids(texts.size());
  const Tokenizer& tok = model.tokenizer();
  const int context = model.info().context_length;
  std::exception_ptr error;
  core::set_compute_threads(model.params().n_threads);
#pragma omp parallel for schedule(dynamic, 256)
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      ids[i] = tok.encode(texts[i], context);
    } catch (...) {
#pragma omp critical(ants_tokenize_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return ids;
}

std::string prompts_key(const ClipModel& model, const std::vector<std::string>& prompts) {
  return "ants prompt embeddings\n" + model_cache_key(model) + "texts=" + texts_hash(prompts) + "\n";
}

bool matches(const CacheEntry& e, const std::vector<std::string>& prompts, int dim) {
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

TextBank embed_prompts_cached(const ClipModel& model, const std::vector<std::string>& prompts,
                              const EmbeddingCache& cache, const EmbedProgress& progress, int batch,
                              std::vector<std::string>& warnings, bool* hit) {
  const int dim = model.info().embed_dim;
  const std::string key = cache.enabled() ? prompts_key(model, prompts) : std::string();
  if (auto entry = cache.load(CacheKind::prompts, key, warnings)) {
    if (matches(*entry, prompts, dim)) {
      if (hit != nullptr) *hit = true;
      return TextBank{std::move(entry->texts), dim, std::move(entry->embeddings)};
    }
    warnings.push_back(cache.path_for(CacheKind::prompts, key).string() + ": cache file holds other prompts; recomputing");
  }
  if (hit != nullptr) *hit = false;
  TextBank bank = embed_prompts(model, prompts, progress, batch);
  cache.store(CacheKind::prompts, key, CacheEntry{bank.prompts, bank.dim, bank.embeddings, {}, {}}, warnings);
  return bank;
}

}  // namespace ants::ood

namespace ants {

TextBank embed_prompts(const ClipModel& model, const std::vector<std::string>& prompts, const EmbedProgress& progress,
                       int batch) {
  if (batch <= 0) core::fail(ErrorCode::invalid_argument, "embed_prompts", "batch must be positive");
  const size_t D = static_cast<size_t>(model.info().embed_dim);
  TextBank bank{prompts, static_cast<int>(D), std::vector<float>(prompts.size() * D)};
  std::vector<std::vector<int32_t>> ids = ood::tokenize_all(model, prompts);
  // Similar lengths in one batch keep the padded sequence short.
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<float> out;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch));
    std::vector<std::vector<int32_t>> chunk;
    for (size_t i = start; i < end; ++i) chunk.push_back(std::move(ids[order[i]]));
    out.resize(chunk.size() * D);
    model.encode_tokens(chunk, out.data());
    for (size_t i = start; i < end; ++i) std::copy_n(&out[(i - start) * D], D, &bank.embeddings[order[i] * D]);
    if (progress) progress(end, order.size());
  }
  return bank;
}

TextBank read_negatives_file(const ClipModel& model, const std::filesystem::path& path, const CacheOptions& cache,
                             const EmbedProgress& progress, std::vector<std::string>* warnings) {
  std::vector<std::string> local;
  TextBank bank = ood::embed_prompts_cached(model, ood::read_prompt_lines(path), ood::EmbeddingCache(cache), progress,
                                            256, warnings != nullptr ? *warnings : local);
  return bank;
}

}  // namespace ants
