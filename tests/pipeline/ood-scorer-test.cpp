// OodScorer: the methods against independent computations, and what its setup records.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace ants
