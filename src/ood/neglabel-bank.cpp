// select_neglabel_bank: corpus → candidate embeddings → q → selection, with both the candidate
// embeddings and the finished bank cached.
#include <ants/negatives.h>

#include <cstdio>

#include "core/error.h"
#include "ood/corpus.h"
#include "core/embedding-cache.h"
#include "ood/neglabel-select.h"
#include "ood/quantile-similarity.h"
#include "ood/text-bank.h"

namespace ants {

namespace {

using core::CacheKind;

void check_options(const std::vector<std::string>& classes, const NegLabelOptions& o) {
  if (classes.empty()) core::fail(ErrorCode::invalid_argument, "select_neglabel_bank", "no ID classes");
  if (o.count < 1) core::fail(ErrorCode::invalid_argument, "negative count " + std::to_string(o.count), "must be at least 1");
  if (o.text_batch < 1)
    core::fail(ErrorCode::invalid_argument, "text batch " + std::to_string(o.text_batch), "must be at least 1");
  for (const auto* t : {&o.id_template, &o.noun_template, &o.adj_template}) apply_template(*t, "");
  ood::quantile_index(classes.size(), o.quantile);
}

std::vector<std::string> templated(const std::string& tmpl, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(apply_template(tmpl, n));
  return out;
}

std::string field(const char* name, const std::string& value) {
  return std::string(name) + "(" + std::to_string(value.size()) + ")=" + value + "\n";
}

// Everything the bank depends on; "rule" names this implementation of method.md §3.1–§3.2 (bump it
// when the selection changes).
std::string bank_key(const TextModel& model, const core::Hash128& corpus, const std::vector<std::string>& classes,
                     const NegLabelOptions& o) {
  char quantile[32];
  std::snprintf(quantile, sizeof quantile, "%.17g", o.quantile);
  return "ants neglabel bank\nrule=spec-3.2-v1\n" + model.fingerprint() + "corpus=" + corpus.hex() +
         "\nclasses=" + core::texts_hash(classes) + "\ncount=" + std::to_string(o.count) + "\nquantile=" + quantile +
         "\n" + field("id_template", o.id_template) + field("noun_template", o.noun_template) +
         field("adj_template", o.adj_template);
}

bool valid_bank_entry(const core::CacheEntry& e, int dim, size_t count, size_t n_adjectives) {
  return e.dim == dim && e.texts.size() == count && e.embeddings.size() == count * static_cast<size_t>(dim) &&
         e.scores.size() == count && e.meta.size() == 1 && e.meta[0] == n_adjectives;
}

// The bank from the cache, when an entry of the expected shape is there.
bool load_cached_bank(const core::EmbeddingCache& cache, const std::string& key, int dim, size_t count,
                      size_t n_adjectives, NegLabelBank& out) {
  auto e = cache.load(CacheKind::neglabel_bank, key, out.warnings);
  if (!e) return false;
  if (!valid_bank_entry(*e, dim, count, n_adjectives)) {
    out.warnings.push_back(cache.path_for(CacheKind::neglabel_bank, key).string() +
                           ": cache file does not fit this bank; recomputing");
    return false;
  }
  out.bank = TextBank{std::move(e->texts), FeatureMatrix{count, dim, std::move(e->embeddings)}};
  out.q = std::move(e->scores);
  out.n_adjectives = n_adjectives;
  out.cache_hit = out.candidates_cached = true;
  return true;
}

// Positions of `sub`'s words in `full`, of which it is a subsequence (filter_corpus_words keeps
// order).
std::vector<size_t> subsequence_positions(const std::vector<std::string>& sub, const std::vector<std::string>& full,
                                          size_t offset) {
  std::vector<size_t> pos;
  size_t j = 0;
  for (const auto& w : sub) {
    while (j < full.size() && full[j] != w) ++j;
    if (j == full.size()) core::fail(ErrorCode::internal, "select_neglabel_bank", "filtered word not in the corpus");
    pos.push_back(offset + j++);
  }
  return pos;
}

std::vector<float> gather(const std::vector<float>& values, const std::vector<size_t>& at) {
  std::vector<float> out;
  out.reserve(at.size());
  for (size_t i : at) out.push_back(values[i]);
  return out;
}

// Bank rows: for each selected index into `rows`, that row of the candidate embeddings.
void append_rows(NegLabelBank& out, const TextBank& cand, const std::vector<float>& q, const std::vector<size_t>& rows,
                 const std::vector<size_t>& picked) {
  const FeatureMatrix& f = cand.features;
  for (size_t i : picked) {
    const size_t r = rows[i];
    out.bank.prompts.push_back(cand.prompts[r]);
    out.bank.features.data.insert(out.bank.features.data.end(), f.row(r), f.row(r) + f.dim);
    ++out.bank.features.rows;
    out.q.push_back(q[r]);
  }
}

// Spec §3.2 steps 1–5: encode, q per candidate, keep the smallest q of each part of speech. Every
// de-duplicated word is encoded (and cached), not only this class list's candidates, so that
// another class list reuses the same candidate embeddings.
void compute_bank(const TextModel& model, const std::vector<std::string>& classes, const ood::CorpusWords& words,
                  const NegLabelCorpus& corpus, const NegLabelOptions& o, const core::EmbeddingCache& cache,
                  const ProgressFn& progress, NegLabelBank& out) {
  std::vector<std::string> prompts = templated(o.adj_template, words.adjectives);
  for (auto& p : templated(o.noun_template, words.nouns)) prompts.push_back(std::move(p));
  const size_t n_ids = classes.size(), total = n_ids + prompts.size();
  auto report = [&progress, total](size_t offset) {
    return [&progress, offset, total](size_t done, size_t) {
      if (progress) progress(offset + done, total);
    };
  };
  const FeatureMatrix ids = model.encode_texts(templated(o.id_template, classes), o.text_batch, report(0));
  const TextBank cand =
      ood::embed_prompts_cached(model, prompts, cache, report(n_ids), o.text_batch, out.warnings, &out.candidates_cached);
  if (progress) progress(total, total);

  const std::vector<float> q = ood::quantile_similarities(cand.features.data.data(), cand.size(), ids.data.data(),
                                                          n_ids, ids.dim, o.quantile, model.threads());
  const auto adj_rows = subsequence_positions(corpus.adjectives, words.adjectives, 0);
  const auto noun_rows = subsequence_positions(corpus.nouns, words.nouns, words.adjectives.size());
  const ood::NegLabelSelection sel =
      ood::select_neglabel(gather(q, adj_rows), gather(q, noun_rows), static_cast<size_t>(o.count));
  append_rows(out, cand, q, adj_rows, sel.adjectives);
  append_rows(out, cand, q, noun_rows, sel.nouns);
  out.n_adjectives = sel.adjectives.size();
}

}  // namespace

NegLabelBank select_neglabel_bank(const TextModel& model, const std::vector<std::string>& classes,
                                  const NegLabelOptions& o, const ProgressFn& progress) {
  check_options(classes, o);
  const std::vector<ood::CorpusFile> files = ood::read_corpus_files(o.corpus_dir);
  NegLabelBank out;
  const ood::CorpusWords words = ood::unique_corpus_words(files);
  const NegLabelCorpus corpus = ood::filter_corpus_words(words, classes);
  out.counts = corpus.counts;
  // Validates the count before anything is encoded.
  const ood::NegLabelQuotas quotas =
      ood::neglabel_quotas(static_cast<size_t>(o.count), corpus.adjectives.size(), corpus.nouns.size());
  const int dim = model.embed_dim();
  out.bank.features.dim = dim;
  const core::EmbeddingCache cache = ood::text_cache(model, o.cache);
  const std::string key = cache.enabled() ? bank_key(model, ood::corpus_hash(files), classes, o) : std::string();
  if (load_cached_bank(cache, key, dim, static_cast<size_t>(o.count), quotas.adjectives, out)) return out;
  compute_bank(model, classes, words, corpus, o, cache, progress, out);
  cache.store(CacheKind::neglabel_bank, key,
              core::CacheEntry{out.bank.prompts, dim, out.bank.features.data, out.q, {out.n_adjectives}}, out.warnings);
  return out;
}

}  // namespace ants
