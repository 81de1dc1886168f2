// OodScorer: the methods against independent computations, and what its setup records.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <random>

#include "ood/adaneg.h"
#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

TEST_F(PipelineModel, MethodsScoreDifferentlyAndMcmEqualsTheIdProbability) {
  std::vector<ImageEmbedding> batch = embed_image_files(*model_, {id_[0].file, id_[1].file, ood_[0].file},
                                                          eval_options().features);
  ScorerOptions o = scorer_options();
  o.method = Method::mcm;
  OodScorer mcm(*model_, demo_class_names(), o, nullptr);
  const auto a = mcm.score(batch);
  // MCM computed outside the scorer from the same features: the batch's image embeddings and the
  // ID prompts encoded by the model directly (not through the scorer's text cache).
  std::vector<std::string> prompts;
  for (const auto& c : demo_class_names()) prompts.push_back(apply_template(o.neglabel.id_template, c));
  const int dim = model_->info().embed_dim;
  const FeatureMatrix id_texts = model_->encode_texts(prompts);
  FeatureMatrix images{batch.size(), dim, {}};
  for (const auto& e : batch) {
    ASSERT_EQ(e.embedding.size(), static_cast<size_t>(dim)) << e.file << ": " << e.error;
    images.data.insert(images.data.end(), e.embedding.begin(), e.embedding.end());
  }
  const std::vector<float> want = mcm_scores(images, id_texts, model_->info().logit_scale);
  ASSERT_EQ(a.size(), want.size());
  o.method = Method::neglabel;
  OodScorer nl(*model_, demo_class_names(), o, nullptr);
  const auto b = nl.score(batch);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(a[i].score, want[i], 1e-5f) << i;
    EXPECT_FLOAT_EQ(a[i].score, a[i].prob);
    EXPECT_EQ(a[i].pred, b[i].pred);
    EXPECT_NE(a[i].score, b[i].score);
    EXPECT_GT(a[i].prob, 1.f / 4.f - 1e-6f);
  }
  EXPECT_EQ(nl.negatives(), 300u);
  o.detector.group_num = 20000;  // more groups than the 10,000 columns they split
  EXPECT_THROW(OodScorer(*model_, demo_class_names(), o, nullptr), Error);
  o.detector.group_num = 0;
  EXPECT_THROW(OodScorer(*model_, demo_class_names(), o, nullptr), Error);
  EXPECT_THROW(parse_method("odin"), Error);
}

// --no-permute reaches NegLabel's grouping (it was recorded but ignored), and the setup says so.
TEST_F(PipelineModel, NegLabelWithoutThePermutationGroupsInBankOrder) {
  const auto batch = embed_image_files(*model_, files_of(id_), eval_options().features);
  ScorerOptions o = scorer_options();
  o.method = Method::neglabel;
  OodScorer permuted(*model_, demo_class_names(), o, nullptr);
  o.detector.permute = false;
  OodScorer in_order(*model_, demo_class_names(), o, nullptr);
  const auto a = permuted.score(batch), b = in_order.score(batch);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i].score != b[i].score;
  EXPECT_GT(differ, 0u);
  EXPECT_NE(permuted.setup_json(), in_order.setup_json());
}

TEST_F(PipelineModel, TheScorerSetupNamesModelClassesBankAndOptions) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const auto j = nlohmann::json::parse(scorer.setup_json());
  EXPECT_EQ(j["method"], "ants");
  EXPECT_EQ(j["model"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["n_classes"], 4);
  EXPECT_EQ(j["negatives"]["rows"], 300);
  EXPECT_EQ(j["detector"]["min_candidates"], 5);
  EXPECT_EQ(j["detector"]["mode"], "ada");
  OodScorer same(*model_, demo_class_names(), scorer_options(), nullptr);
  EXPECT_EQ(same.setup_json(), scorer.setup_json());
}


// A text encoder of the caller's (e.g. a Python user's own CLIP): the same scores as the model it
// wraps, the far/near scores of ANTS beside them, and nothing cached under an unknown identity.
class CallerTextModel : public TextModel {
 public:
  explicit CallerTextModel(const ClipModel& m) : m_(m) {}
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int batch, const ProgressFn& p) const override {
    ++calls;
    return m_.encode_texts(texts, batch, p);
  }
  const std::string& fingerprint() const override { return none_; }
  float logit_scale() const override { return m_.logit_scale(); }
  int embed_dim() const override { return m_.embed_dim(); }
  mutable int calls = 0;

 private:
  const ClipModel& m_;
  std::string none_;
};

TEST_F(PipelineModel, AnotherTextModelScoresAsTheModelItWrapsAndCachesNothing) {
  const std::vector<ImageEmbedding> batch =
      embed_image_files(*model_, {id_[0].file, ood_[0].file, ood_[1].file}, eval_options().features);
  ScorerOptions o = scorer_options();
  o.neglabel.cache.dir = dir_ / "caller-cache";
  CallerTextModel caller(*model_);
  test::FakeMllm mllm_a, mllm_b;
  OodScorer mine(caller, demo_class_names(), o, &mllm_a);
  OodScorer theirs(*model_, demo_class_names(), scorer_options(), &mllm_b);
  EXPECT_GT(caller.calls, 0);
  EXPECT_FALSE(fs::exists(o.neglabel.cache.dir));
  const auto a = mine.score(batch), b = theirs.score(batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(a[i].pred, b[i].pred);
    EXPECT_NEAR(a[i].score, b[i].score, 1e-6f) << i;
    EXPECT_NEAR(a[i].far, b[i].far, 1e-6f) << i;
    EXPECT_NEAR(a[i].near, b[i].near, 1e-6f) << i;
  }
  o.method = Method::neglabel;
  for (const auto& r : OodScorer(caller, demo_class_names(), o, nullptr).score(batch)) {
    EXPECT_EQ(r.far, r.score);  // no fusion: far = near = the score
    EXPECT_EQ(r.near, r.score);
  }
}

// Deterministic unit rows per text (a hash-seeded gaussian): ID prompts without a CLIP.
class HashTextModel : public TextModel {
 public:
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int, const ProgressFn&) const override {
    FeatureMatrix m{texts.size(), kDim, {}};
    for (const auto& t : texts) {
      const FeatureMatrix r = unit_rows(1, std::hash<std::string>{}(t));
      m.data.insert(m.data.end(), r.data.begin(), r.data.end());
    }
    return m;
  }
  const std::string& fingerprint() const override { return none_; }
  float logit_scale() const override { return 100.f; }
  int embed_dim() const override { return kDim; }

  static constexpr int kDim = 16;
  static FeatureMatrix unit_rows(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g;
    FeatureMatrix m{n, kDim, std::vector<float>(n * kDim)};
    for (size_t i = 0; i < n; ++i) {
      double norm = 0;
      for (int d = 0; d < kDim; ++d) norm += std::pow(m.row(i)[d] = g(rng), 2);
      for (int d = 0; d < kDim; ++d) m.row(i)[d] = static_cast<float>(m.row(i)[d] / std::sqrt(norm));
    }
    return m;
  }

 private:
  std::string none_;
};

// AdaNeg through OodScorer (what every front end calls) is the detector it wraps: the same
// predictions and scores, reset between streams, its options in the setup, and a snapshot of
// the scorer that continues the stream.
TEST(OodScorerAdaNeg, ScoresAsTheDetectorItWraps) {
  const HashTextModel text;
  const std::vector<std::string> classes{"cat", "dog", "fish", "bird"};
  ScorerOptions o;
  o.method = Method::adaneg;
  o.negatives_bank = HashTextModel::unit_rows(23, 7);
  o.neglabel.cache.enabled = false;
  o.adaneg.memory = 3;
  o.adaneg.score = AdaNegScore::multiply;
  OodScorer scorer(text, classes, o, nullptr);
  std::vector<std::string> prompts;
  for (const auto& c : classes) prompts.push_back(apply_template(o.neglabel.id_template, c));
  ood::AdaNegDetector direct(text.encode_texts(prompts, 0, {}), *o.negatives_bank, 100.f, o.adaneg, true);
  // Images near the ID prompts and near the negatives, so that memories fill.
  const FeatureMatrix id = text.encode_texts(prompts, 0, {}), noise = HashTextModel::unit_rows(60, 11);
  std::string middle;
  for (int b = 0; b < 6; ++b) {
    FeatureMatrix images{10, HashTextModel::kDim, {}};
    std::vector<ImageEmbedding> rows;
    for (size_t i = 0; i < 10; ++i) {
      const float* base = (i % 2 ? o.negatives_bank->row((b * 10 + i) % 23) : id.row(i % 4));
      std::vector<float> v(HashTextModel::kDim);
      double norm = 0;
      for (int d = 0; d < HashTextModel::kDim; ++d) norm += std::pow(v[d] = base[d] + 0.3f * noise.row(b * 10 + i)[d], 2);
      for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
      images.data.insert(images.data.end(), v.begin(), v.end());
      rows.push_back({"img" + std::to_string(i), v, {}});
    }
    const auto want = direct.update(images);
    const auto got = scorer.score(rows);
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(got[i].pred, want[i].pred);
      EXPECT_FLOAT_EQ(got[i].score, static_cast<float>(want[i].score));
      EXPECT_FLOAT_EQ(got[i].prob, static_cast<float>(want[i].prob));
      EXPECT_EQ(got[i].far, got[i].score);
    }
    EXPECT_EQ(scorer.last_trace().stats.batches, b + 1);
    EXPECT_EQ(scorer.memory_images(), direct.images_held());
    if (b == 2) middle = scorer.snapshot_bytes();
  }
  EXPECT_GT(scorer.memory_images(), 0u);
  const auto j = nlohmann::json::parse(scorer.setup_json());
  EXPECT_EQ(j["method"], "adaneg");
  EXPECT_EQ(j["adaneg"]["memory"], 3);
  EXPECT_EQ(j["adaneg"]["score"], "multiply");
  EXPECT_FALSE(j.contains("detector"));
  scorer.restore_bytes(middle, "middle");
  EXPECT_LT(scorer.memory_images(), direct.images_held());
  scorer.reset();
  EXPECT_EQ(scorer.memory_images(), 0u);
  EXPECT_THROW(scorer.restore_bytes("", "empty"), Error);  // stateful: an empty snapshot is not one
  for (auto set : std::vector<std::function<void(AdaNegOptions&)>>{[](AdaNegOptions& a) { a.beta = 1000; },
                                                                    [](AdaNegOptions& a) { a.thres = 1.5; },
                                                                    [](AdaNegOptions& a) { a.memory = 0; },
                                                                    [](AdaNegOptions& a) { a.groups = 24; }}) {
    ScorerOptions bad = o;
    set(bad.adaneg);
    EXPECT_THROW(OodScorer(text, classes, bad, nullptr), Error);  // groups: more than the 23 negatives
  }
}

}  // namespace
}  // namespace ants
