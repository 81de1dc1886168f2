// EOE against its authors' code (scripts/gen-eoe-goldens.py; tests/data/eoe-goldens.json): the
// EOE repository's prompts, conversation, list parsing and score, and the ANTS authors' eoe
// postprocessor's score, with a scripted LLM.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include <ants/scorer.h>

#include "core/error.h"
#include "ood/eoe.h"
#include "test-util.h"

namespace ants::ood {
namespace {

using nlohmann::json;

json eoe_goldens() { return test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/eoe-goldens.json"); }

FeatureMatrix eoe_matrix(const json& rows) {
  FeatureMatrix m{rows.size(), static_cast<int>(rows[0].size()), {}};
  for (const auto& r : rows)
    for (const auto& x : r) m.data.push_back(x.get<float>());
  return m;
}

// Answers text-only prompts from a script, in order, and keeps what it was sent.
class ScriptedLlm : public Mllm {
 public:
  ScriptedLlm(std::vector<std::optional<std::string>> answers, MllmParse parse) : answers_(std::move(answers)), parse_(parse) {}
  std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& i, const std::vector<std::string>&) override {
    return std::vector<std::optional<std::string>>(i.size());
  }
  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& c) override {
    return std::vector<std::optional<std::vector<std::string>>>(c.size());
  }
  bool supports_similar() const override { return false; }
  std::vector<std::optional<std::string>> complete(const std::vector<std::string>& prompts) override {
    std::vector<std::optional<std::string>> out;
    for (const auto& p : prompts) {
      sent.push_back(p);
      out.push_back(next_ < answers_.size() ? answers_[next_++] : std::nullopt);
    }
    return out;
  }
  MllmParse parse_mode() const override { return parse_; }
  bool supports_complete() const override { return true; }
  std::vector<std::string> sent;

 private:
  std::vector<std::optional<std::string>> answers_;
  size_t next_ = 0;
  MllmParse parse_;
};

std::vector<std::optional<std::string>> answers_of(const json& a) {
  std::vector<std::optional<std::string>> out;
  for (const auto& x : a) out.emplace_back(x.get<std::string>());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(EoePrompts, AreTheReferencesWithTheClassesAsAPythonList) {
  const json g = eoe_goldens();
  const auto classes = g["classes"].get<std::vector<std::string>>();
  EXPECT_EQ(eoe_far_prompt(classes, 50), g["prompts"]["far"].get<std::string>());
  EXPECT_EQ(eoe_far_again_prompt(50), g["prompts"]["far_again"].get<std::string>());
  EXPECT_EQ(eoe_near_prompt(classes[3], 3), g["prompts"]["near"].get<std::string>());
  EXPECT_EQ(python_list_repr({"tench", "Geoffroy's spider monkey", "a \"b\" 'c'", "back\\slash"}),
            R"(['tench', "Geoffroy's spider monkey", 'a "b" \'c\'', 'back\\slash'])");
}

// The far task is one conversation: every follow-up carries the turns before it (the reference's
// chat messages, here one text), and the names are the reference's, fused lines included.
TEST(EoeEnvision, FarConversationAndNamesAreTheReferences) {
  const json g = eoe_goldens();
  const auto classes = g["classes"].get<std::vector<std::string>>();
  ScriptedLlm llm(answers_of(g["far"]["answers"]), MllmParse::reference);
  EoeOptions o;
  o.count = g["far"]["count"];
  const EoeEnvisioned e = envision_outliers(llm, classes, o);
  EXPECT_EQ(sorted(e.labels), g["far"]["labels"].get<std::vector<std::string>>());
  EXPECT_EQ(e.requests, g["far"]["messages"].size());
  EXPECT_EQ(e.answered, e.requests);
  ASSERT_EQ(llm.sent.size(), g["far"]["messages"].size());
  for (size_t k = 0; k < llm.sent.size(); ++k) {
    std::string conversation;
    for (const auto& m : g["far"]["messages"][k]) {
      conversation += m["content"].get<std::string>();
      if (m["role"] == "assistant") conversation += "\n\n";
    }
    EXPECT_EQ(llm.sent[k], conversation) << "request " << k;
  }
}

TEST(EoeEnvision, NearAsksPerClassAndDropsNamesSharingAWordWithAnIdClass) {
  const json g = eoe_goldens();
  const auto classes = g["classes"].get<std::vector<std::string>>();
  ScriptedLlm llm(answers_of(g["near"]["answers"]), MllmParse::reference);
  EoeOptions o;
  o.task = EoeTask::near;
  o.count = g["near"]["count"];
  const EoeEnvisioned e = envision_outliers(llm, classes, o);
  EXPECT_EQ(sorted(e.labels), g["near"]["labels"].get<std::vector<std::string>>());
  ASSERT_EQ(llm.sent.size(), classes.size());
  for (size_t k = 0; k < classes.size(); ++k)
    EXPECT_EQ(llm.sent[k], g["near"]["messages"][k][0]["content"].get<std::string>());
}

// A failed request ends the far conversation; what came before is kept.
TEST(EoeEnvision, AFailedRequestEndsTheConversation) {
  ScriptedLlm llm({"- lake\n- hill\n", std::nullopt, "- never asked\n"}, MllmParse::lenient);
  EoeOptions o;
  o.count = 150;
  const EoeEnvisioned e = envision_outliers(llm, {"cat", "dog"}, o);
  EXPECT_EQ(e.requests, 2u);
  EXPECT_EQ(e.answered, 1u);
  EXPECT_EQ(e.labels, (std::vector<std::string>{"lake", "hill"}));
}

// The lenient parser (the default) reads each answer on its own: no fused names.
TEST(EoeEnvision, LenientParsingKeepsAnswersApartAndNearAsksForThreeByDefault) {
  ScriptedLlm far({"- lake\n- hill", "1. Cave\n2. dune\n"}, MllmParse::lenient);
  EoeOptions o;
  o.count = 100;
  EXPECT_EQ(envision_outliers(far, {"cat"}, o).labels, (std::vector<std::string>{"lake", "hill", "cave", "dune"}));
  ScriptedLlm near({"- a\n", "- b\n"}, MllmParse::lenient);
  EoeOptions n;
  n.task = EoeTask::near;
  EXPECT_EQ(eoe_count(n), 3);
  envision_outliers(near, {"snow_leopard", "cat"}, n);
  ASSERT_EQ(near.sent.size(), 2u);
  EXPECT_NE(near.sent[0].find("There are 3 classes similar to [snow leopard]"), std::string::npos) << near.sent[0];
}

// An LLM that names only ID classes leaves no outlier names: the scorer warns and scores the ID
// softmax maximum alone; an MLLM that cannot answer text prompts is a usage error.
TEST(EoeScorer, NoOutlierNamesDegradeToTheIdMaximum) {
  class Unit : public TextModel {
   public:
    FeatureMatrix encode_texts(const std::vector<std::string>& t, int, const ProgressFn&) const override {
      FeatureMatrix m{t.size(), 2, {}};
      for (const auto& s : t) {
        const float a = static_cast<float>(std::hash<std::string>{}(s) % 628) / 100.f;
        m.data.insert(m.data.end(), {std::cos(a), std::sin(a)});
      }
      return m;
    }
    const std::string& fingerprint() const override { return none_; }
    float logit_scale() const override { return 100.f; }
    int embed_dim() const override { return 2; }
    std::string none_;
  } model;
  ScriptedLlm llm({"- Cat\n- DOG\n"}, MllmParse::reference);
  ScorerOptions so;
  so.method = Method::eoe;
  so.eoe.count = 50;
  OodScorer scorer(model, {"cat", "dog"}, so, &llm);
  EXPECT_EQ(scorer.negatives(), 0u);
  const auto w = scorer.warnings();
  EXPECT_TRUE(std::any_of(w.begin(), w.end(), [](const std::string& s) { return s.find("no outlier") != std::string::npos; }));
  const auto rows = scorer.score({{"a", {1.f, 0.f}, ""}, {"b", {0.f, 1.f}, ""}});
  for (const auto& r : rows) EXPECT_FLOAT_EQ(r.score, r.prob);  // max ID softmax, nothing subtracted

  class NoText : public ScriptedLlm {
   public:
    NoText() : ScriptedLlm({}, MllmParse::lenient) {}
    bool supports_complete() const override { return false; }
  } no_text;
  try {
    OodScorer refused(model, {"cat", "dog"}, so, &no_text);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("text-only"), std::string::npos) << e.what();
  }
}

TEST(EoeScores, EqualBothReferences) {
  const json g = eoe_goldens();
  const json& s = g["scores"];
  const FeatureMatrix ids = eoe_matrix(s["id_features"]), outliers = eoe_matrix(s["outlier_features"]), images = eoe_matrix(s["images"]);
  EoeOptions ants_run;  // the ANTS authors' script: β 1, τ 1 on 100·cos
  EoeOptions official;
  apply_eoe_preset(official, "official");  // the EOE repository: β 0.25, T 1 on cosines
  const auto a = eoe_scores(images, ids, outliers, 100.f, ants_run);
  const auto b = eoe_scores(images, ids, outliers, 100.f, official);
  double worst = 0;
  for (size_t i = 0; i < images.rows; ++i) {
    EXPECT_NEAR(a[i], s["ants"][i].get<double>(), 1e-4) << i;
    EXPECT_NEAR(b[i], s["official"][i].get<double>(), 1e-4) << i;
    worst = std::max({worst, std::fabs(a[i] - s["ants"][i].get<double>()), std::fabs(b[i] - s["official"][i].get<double>())});
  }
  RecordProperty("max_abs_diff", std::to_string(worst));
}

}  // namespace
}  // namespace ants::ood
