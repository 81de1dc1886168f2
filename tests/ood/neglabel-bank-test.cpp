// select_neglabel_bank on the tiny random CLIP: the rule against a brute-force recomputation, the
// built-in corpus, and the cache (hits, key changes, corrupt files).
#include <ants/negatives.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include "core/cpu.h"
#include "core/file-util.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

// A bank of `prompts` as encoded by the model (what the prompt cache stores).
TextBank embed_neglabel_prompts(const ClipModel& m, const std::vector<std::string>& prompts, const ProgressFn& progress = {},
                       int batch = 256) {
  return TextBank{prompts, m.encode_texts(prompts, batch, progress)};
}

namespace fs = std::filesystem;

const ClipModel& model_fp32() {
  static const auto model = ClipModel::load(test::tiny_model_dir(), ClipParams{Precision::fp32, 2});
  return *model;
}

std::vector<std::string> imagenet(size_t n) {
  auto names = read_class_list(test::shared_dir() / "data/imagenet_classes.txt");
  names.resize(n);
  return names;
}

// The first `n` lines of a shared word list.
std::string head_lines(const std::string& file, size_t n) {
  std::ifstream in(test::shared_dir() / "data/neglabel-wordnet" / file);
  std::string out, line;
  for (size_t i = 0; i < n && std::getline(in, line); ++i) out += line + "\n";
  return out;
}

// A small corpus of real words: 60 adjectives, 120 nouns (one of them an ID name, "tench").
fs::path small_corpus() {
  const fs::path dir = test::temp_dir() / "corpus";
  core::write_file_atomic(dir / "adj.all.txt", head_lines("adj.all.txt", 60));
  core::write_file_atomic(dir / "noun.artifact.txt", head_lines("noun.artifact.txt", 119) + "tench\n");
  return dir;
}

NegLabelOptions small_options(const fs::path& cache_dir = {}) {
  NegLabelOptions o;
  o.count = 50;
  o.corpus_dir = small_corpus();
  o.cache = CacheOptions{!cache_dir.empty(), cache_dir};
  return o;
}

std::vector<std::string> templated(const std::string& tmpl, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(apply_template(tmpl, n));
  return out;
}

// q of every row of `cand` against `ids` by double-precision dot products and a full sort.
std::vector<double> brute_force_q(const TextBank& cand, const TextBank& ids, double quantile) {
  const size_t k = static_cast<size_t>(quantile * static_cast<double>(ids.size()));
  std::vector<double> q;
  for (size_t c = 0; c < cand.size(); ++c) {
    std::vector<double> sims;
    for (size_t i = 0; i < ids.size(); ++i) {
      double s = 0;
      for (int d = 0; d < cand.features.dim; ++d) s += static_cast<double>(cand.features.row(c)[d]) * ids.features.row(i)[d];
      sims.push_back(s);
    }
    std::sort(sims.begin(), sims.end());
    q.push_back(sims[k]);
  }
  return q;
}

std::vector<size_t> ascending(const std::vector<double>& q, size_t k) {
  std::vector<size_t> idx(q.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return q[a] < q[b]; });
  idx.resize(k);
  return idx;
}

TEST(NegLabelBank, FollowsTheSelectionRule) {
  const auto classes = imagenet(20);
  const NegLabelOptions o = small_options();
  const NegLabelBank got = select_neglabel_bank(model_fp32(), classes, o);

  const NegLabelCorpus corpus = load_neglabel_corpus(o.corpus_dir, classes);
  ASSERT_EQ(corpus.nouns.size(), 119u);  // "tench" dropped as an ID name
  const TextBank ids = embed_neglabel_prompts(model_fp32(), templated("The nice {}.", classes));
  const TextBank adj = embed_neglabel_prompts(model_fp32(), templated("This is a {} photo.", corpus.adjectives));
  const TextBank noun = embed_neglabel_prompts(model_fp32(), templated("The nice {}.", corpus.nouns));
  const std::vector<double> q_adj = brute_force_q(adj, ids, 0.95), q_noun = brute_force_q(noun, ids, 0.95);
  const size_t m_adj = 50 * adj.size() / (adj.size() + noun.size());

  ASSERT_EQ(got.bank.size(), 50u);
  ASSERT_EQ(got.n_adjectives, m_adj);
  EXPECT_EQ(got.counts.adjectives, adj.size());
  EXPECT_EQ(got.counts.nouns, noun.size());
  std::vector<std::string> want_prompts;
  std::vector<double> want_q;
  std::vector<std::vector<float>> want_rows;
  for (size_t i : ascending(q_adj, m_adj)) {
    want_prompts.push_back(adj.prompts[i]);
    want_q.push_back(q_adj[i]);
    want_rows.emplace_back(adj.features.row(i), adj.features.row(i) + adj.features.dim);
  }
  for (size_t i : ascending(q_noun, 50 - m_adj)) {
    want_prompts.push_back(noun.prompts[i]);
    want_q.push_back(q_noun[i]);
    want_rows.emplace_back(noun.features.row(i), noun.features.row(i) + noun.features.dim);
  }
  EXPECT_EQ(got.bank.prompts, want_prompts);
  ASSERT_EQ(got.q.size(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_NEAR(got.q[i], want_q[i], 1e-5) << i;
    EXPECT_GE(test::cosine(std::vector<float>(got.bank.features.row(i), got.bank.features.row(i) + got.bank.features.dim), want_rows[i]), 0.99999);
  }
}

TEST(NegLabelBank, BuiltInCorpusWithImageNetClasses) {
  NegLabelOptions o;
  o.count = 1000;
  o.cache.enabled = false;
  size_t last_done = 0, last_total = 0;
  const NegLabelBank b = select_neglabel_bank(model_fp32(), imagenet(1000), o, [&](size_t done, size_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
  });
  EXPECT_EQ(last_total, 1000u + 13091u + 58546u);  // every de-duplicated word is encoded
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(b.counts.adjectives, 11453u);
  EXPECT_EQ(b.counts.nouns, 58101u);
  ASSERT_EQ(b.bank.size(), 1000u);
  EXPECT_EQ(b.n_adjectives, 164u);  // floor(1000 · 11453 / 69554)
  EXPECT_FALSE(b.cache_hit);
  for (size_t i = 0; i < b.bank.size(); ++i) {
    const bool is_adj = i < b.n_adjectives;
    EXPECT_EQ(b.bank.prompts[i].starts_with("This is a "), is_adj) << b.bank.prompts[i];
    EXPECT_NEAR(test::norm(std::vector<float>(b.bank.features.row(i), b.bank.features.row(i) + b.bank.features.dim)), 1.0, 1e-5);
    if (i > 0 && i != b.n_adjectives) {
      EXPECT_LE(b.q[i - 1], b.q[i]) << i;
    }
  }
}

TEST(NegLabelBank, CacheHitReturnsTheSameBank) {
  const auto classes = imagenet(20);
  const fs::path cache_dir = test::temp_dir() / "cache";
  const NegLabelBank first = select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));
  EXPECT_FALSE(first.cache_hit);
  EXPECT_FALSE(first.candidates_cached);
  EXPECT_TRUE(first.warnings.empty());
  size_t encoded = 0;
  const NegLabelBank second =
      select_neglabel_bank(model_fp32(), classes, small_options(cache_dir), [&](size_t, size_t) { ++encoded; });
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(encoded, 0u);
  EXPECT_EQ(second.bank.prompts, first.bank.prompts);
  EXPECT_EQ(second.bank.features.data, first.bank.features.data);
  EXPECT_EQ(second.q, first.q);
  EXPECT_EQ(second.n_adjectives, first.n_adjectives);
  EXPECT_EQ(second.counts.adj_lines, first.counts.adj_lines);
}

TEST(NegLabelBank, EveryKeyPartMisses) {
  const auto classes = imagenet(20);
  const fs::path cache_dir = test::temp_dir() / "cache";
  select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));

  NegLabelOptions count = small_options(cache_dir);
  count.count = 40;
  auto b = select_neglabel_bank(model_fp32(), classes, count);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_TRUE(b.candidates_cached);  // same prompts, same model: only the selection reruns

  NegLabelOptions quantile = small_options(cache_dir);
  quantile.quantile = 0.5;
  b = select_neglabel_bank(model_fp32(), classes, quantile);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_TRUE(b.candidates_cached);

  NegLabelOptions tmpl = small_options(cache_dir);
  tmpl.noun_template = "A photo of a {}.";
  b = select_neglabel_bank(model_fp32(), classes, tmpl);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_FALSE(b.candidates_cached);
  EXPECT_EQ(b.bank.prompts.back().rfind("A photo of a ", 0), 0u);

  NegLabelOptions id_tmpl = small_options(cache_dir);
  id_tmpl.id_template = "A photo of a {}.";
  b = select_neglabel_bank(model_fp32(), classes, id_tmpl);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_TRUE(b.candidates_cached);

  std::vector<std::string> fewer = classes;
  fewer.erase(fewer.begin());  // without "tench"
  b = select_neglabel_bank(model_fp32(), fewer, small_options(cache_dir));
  EXPECT_FALSE(b.cache_hit);
  EXPECT_TRUE(b.candidates_cached);  // candidate embeddings do not depend on the class list
  EXPECT_EQ(b.counts.nouns, 120u);    // "tench" is no longer an ID name

  if (!core::cpu_has_bf16_compute()) GTEST_SKIP() << "no bf16 kernels on this CPU (no AVX-512)";
  const auto bf16 = ClipModel::load(test::tiny_model_dir(), ClipParams{Precision::bf16, 2});
  b = select_neglabel_bank(*bf16, classes, small_options(cache_dir));
  EXPECT_FALSE(b.cache_hit);
  EXPECT_FALSE(b.candidates_cached);

  const fs::path other_corpus = test::temp_dir() / "corpus2";
  fs::copy(small_corpus(), other_corpus);
  std::ofstream(other_corpus / "noun.extra.txt") << "zeppelin\n";
  NegLabelOptions corpus = small_options(cache_dir);
  corpus.corpus_dir = other_corpus;
  b = select_neglabel_bank(model_fp32(), classes, corpus);
  EXPECT_FALSE(b.cache_hit);
  EXPECT_FALSE(b.candidates_cached);
  for (const auto& w : b.warnings) ADD_FAILURE() << w;
}

// Overwrites the middle of every cache file whose name starts with `kind`.
void corrupt(const fs::path& cache_dir, const std::string& kind) {
  for (const auto& e : fs::directory_iterator(cache_dir / "text-embeddings")) {
    if (!e.path().filename().string().starts_with(kind)) continue;
    std::string bytes = core::read_file(e.path());
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
    core::write_file_atomic(e.path(), bytes);
  }
}

TEST(NegLabelBank, CorruptCacheFilesAreRecomputedWithAWarning) {
  const auto classes = imagenet(20);
  const fs::path cache_dir = test::temp_dir() / "cache";
  const NegLabelBank first = select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));

  corrupt(cache_dir, "neglabel-");
  NegLabelBank b = select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));
  EXPECT_FALSE(b.cache_hit);
  EXPECT_TRUE(b.candidates_cached);
  ASSERT_EQ(b.warnings.size(), 1u);
  EXPECT_NE(b.warnings[0].find("checksum"), std::string::npos) << b.warnings[0];
  EXPECT_EQ(b.bank.prompts, first.bank.prompts);
  EXPECT_EQ(b.bank.features.data, first.bank.features.data);

  corrupt(cache_dir, "neglabel-");
  corrupt(cache_dir, "prompts-");
  b = select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));
  EXPECT_FALSE(b.cache_hit);
  EXPECT_FALSE(b.candidates_cached);
  EXPECT_EQ(b.warnings.size(), 2u);
  EXPECT_EQ(b.bank.prompts, first.bank.prompts);

  b = select_neglabel_bank(model_fp32(), classes, small_options(cache_dir));  // rewritten: clean hit
  EXPECT_TRUE(b.cache_hit);
  EXPECT_TRUE(b.warnings.empty());
}

TEST(NegLabelBank, DisabledCacheWritesNothing) {
  const fs::path cache_dir = test::temp_dir() / "cache";
  NegLabelOptions o = small_options(cache_dir);
  o.cache.enabled = false;
  select_neglabel_bank(model_fp32(), imagenet(20), o);
  EXPECT_FALSE(fs::exists(cache_dir));
}

TEST(NegLabelBank, InvalidArgumentsFailBeforeEncoding) {
  auto expect_invalid = [](const std::vector<std::string>& classes, const NegLabelOptions& o) {
    size_t encoded = 0;
    try {
      select_neglabel_bank(model_fp32(), classes, o, [&](size_t, size_t) { ++encoded; });
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    }
    EXPECT_EQ(encoded, 0u);
  };
  NegLabelOptions o = small_options();
  expect_invalid({}, o);
  o.count = 180;  // 60 adjectives + 119 nouns
  expect_invalid(imagenet(20), o);
  o.count = 0;
  expect_invalid(imagenet(20), o);
  o = small_options();
  o.adj_template = "no placeholder";
  expect_invalid(imagenet(20), o);
  o = small_options();
  o.quantile = 1.5;
  expect_invalid(imagenet(20), o);
}

}  // namespace
}  // namespace ants
