// select_csp_bank: corpus → CSP pool → ensembled embeddings (cached) → similarity → selection.
#include <ants/negatives.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "ood/corpus.h"
#include "ood/csp-pool.h"
#include "ood/quantile-similarity.h"
#include "ood/text-bank.h"

namespace ants {

namespace {

void check_options(const std::vector<std::string>& classes, const CspOptions& o, int text_batch) {
  if (classes.empty()) core::fail(ErrorCode::invalid_argument, "select_csp_bank", "no ID classes");
  if (!(o.ratio > 0 && o.ratio <= 1)) core::fail(ErrorCode::invalid_argument, "csp ratio", "must be in (0, 1]");
  if (!(o.percentile >= 0 && o.percentile <= 1))
    core::fail(ErrorCode::invalid_argument, "csp percentile", "must be in [0, 1]");
  if (!(o.max_similarity >= -1 && o.max_similarity <= 1))
    core::fail(ErrorCode::invalid_argument, "csp max similarity", "must be in [-1, 1]");
  if (o.groups < 1) core::fail(ErrorCode::invalid_argument, "csp groups", "must be at least 1");
  if (text_batch < 1) core::fail(ErrorCode::invalid_argument, "text batch", "must be at least 1");
}

// Indices of the floor(ratio·n) smallest values, ascending (ties by index: torch.argsort is not
// stable, so the reference leaves them unspecified); a NaN ranks last, as torch sorts it.
std::vector<size_t> lowest_share(const std::vector<float>& values, double ratio) {
  std::vector<size_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  const auto key = [&](size_t i) { return std::isnan(values[i]) ? INFINITY : values[i]; };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  idx.resize(static_cast<size_t>(static_cast<double>(values.size()) * ratio));
  return idx;
}

// torch.quantile of the ID similarities, or 1 when the closest ID class is above the limit; NaN
// for a candidate whose prompts' mean is zero (the reference divides by its zero norm).
std::vector<float> csp_similarities(const FeatureMatrix& cand, const FeatureMatrix& ids, const CspOptions& o,
                                    int threads) {
  const double q = o.percentile;
  const float limit = static_cast<float>(o.max_similarity);
  std::vector<float> sims = ood::similarity_statistics(
      cand.data.data(), cand.rows, ids.data.data(), ids.rows, ids.dim,
      [q, limit](float* row, size_t n) {
        const float top = *std::max_element(row, row + n);
        const float s = ood::torch_quantile(row, n, q);
        return top > limit ? 1.f : s;
      },
      threads);
  for (size_t i = 0; i < cand.rows; ++i)
    if (std::all_of(cand.row(i), cand.row(i) + cand.dim, [](float x) { return x == 0.f; })) sims[i] = NAN;
  return sims;
}

void append_selected(CspBank& out, const TextBank& pool, const std::vector<float>& sim, const std::vector<size_t>& picked) {
  const FeatureMatrix& f = pool.features;
  for (size_t i : picked) {
    out.bank.prompts.push_back(pool.prompts[i]);
    out.bank.features.data.insert(out.bank.features.data.end(), f.row(i), f.row(i) + f.dim);
    ++out.bank.features.rows;
    out.similarity.push_back(sim[i]);
  }
}

}  // namespace

CspBank select_csp_bank(const TextModel& model, const std::vector<std::string>& classes, const CspOptions& o,
                        const std::filesystem::path& corpus_dir, const CacheOptions& cache_options, int text_batch,
                        const ProgressFn& progress) {
  check_options(classes, o, text_batch);
  const std::vector<ood::CorpusFile> files = ood::read_corpus_files(corpus_dir);
  const ood::CspPool pool = ood::build_csp_pool(files, o.exclude, o.seed);
  CspBank out;
  out.pool_nouns = pool.nouns.size();
  out.pool_adjectives = pool.adjectives.size();
  const size_t n_noun_keep = static_cast<size_t>(static_cast<double>(pool.nouns.size()) * o.ratio);
  const size_t n_adj_keep = static_cast<size_t>(static_cast<double>(pool.adjectives.size()) * o.ratio);
  if (n_noun_keep + n_adj_keep == 0)
    core::fail(ErrorCode::invalid_argument, "csp", "the corpus and ratio select no negative label");
  // Before the (slow) embedding: the reference would score every image 1 with fewer labels.
  if (n_noun_keep + n_adj_keep < static_cast<size_t>(o.groups))
    core::fail(ErrorCode::invalid_argument, "csp",
               "the bank would have " + std::to_string(n_noun_keep + n_adj_keep) + " labels, fewer than its " +
                   std::to_string(o.groups) + " groups (--csp-groups)");
  for (const auto& name : o.exclude)
    if (std::none_of(files.begin(), files.end(), [&](const ood::CorpusFile& f) { return f.name == name; }))
      out.warnings.push_back("csp: excluded corpus file '" + name + "' is not in the corpus");

  const auto& nt = ood::csp_noun_templates();
  const auto& at = ood::csp_adjective_templates();
  const size_t total = (classes.size() + pool.nouns.size()) * nt.size() + pool.adjectives.size() * at.size();
  size_t done = 0;
  auto stage = [&](size_t texts) {
    const size_t offset = done;
    done += texts;
    return [&progress, offset, total](size_t n, size_t) {
      if (progress) progress(offset + n, total);
    };
  };
  const core::EmbeddingCache cache = ood::text_cache(model, cache_options);
  bool nouns_hit = false, adj_hit = false;
  out.ids = ood::embed_ensembles_cached(model, ood::ensemble_prompts(nt, classes), nt.size(), classes, cache,
                                        stage(classes.size() * nt.size()), text_batch, out.warnings);
  const TextBank nouns = ood::embed_ensembles_cached(model, pool.prompts_of_nouns(), nt.size(), pool.nouns, cache,
                                                     stage(pool.nouns.size() * nt.size()), text_batch, out.warnings,
                                                     &nouns_hit);
  const TextBank adjs = ood::embed_ensembles_cached(model, pool.prompts_of_adjectives(), at.size(), pool.adjectives,
                                                    cache, stage(pool.adjectives.size() * at.size()), text_batch,
                                                    out.warnings, &adj_hit);
  if (progress) progress(total, total);
  out.pool_cached = nouns_hit && adj_hit;

  const std::vector<float> noun_sim = csp_similarities(nouns.features, out.ids.features, o, model.threads());
  const std::vector<float> adj_sim = csp_similarities(adjs.features, out.ids.features, o, model.threads());
  out.bank.features.dim = model.embed_dim();
  append_selected(out, nouns, noun_sim, lowest_share(noun_sim, o.ratio));
  out.n_nouns = out.bank.size();
  append_selected(out, adjs, adj_sim, lowest_share(adj_sim, o.ratio));
  return out;
}

}  // namespace ants
