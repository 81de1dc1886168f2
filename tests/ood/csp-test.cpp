// CSP against its authors' own code (CLIPScalableClassifier + ScalableClassifier of
// MengyuanChen21/NeurIPS2024-CSP, run by scripts/gen-csp-goldens.py on a small hostile corpus
// with a table of raw text features; tests/data/csp-goldens.json): the pool's prompts exactly,
// the ID ensembles and the selected bank to 1e-5, every image's score to 1e-4 and its prediction
// exactly. Also the pieces it needs: Python's random stream and torch.quantile.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include <ants/negatives.h>
#include <ants/scorer.h>

#include "core/error.h"
#include "ood/corpus.h"
#include "ood/csp-pool.h"
#include "ood/python-random.h"
#include "ood/quantile-similarity.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants::ood {
namespace {

using nlohmann::json;

json csp_goldens() { return test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/csp-goldens.json"); }

// The generator's encode_text: a raw feature per text from its table (texts it never saw are an
// error, so a prompt ants invents fails loudly).
class TableTextModel : public TextModel {
 public:
  TableTextModel(const json& table, int dim, std::string fingerprint) : dim_(dim), fingerprint_(std::move(fingerprint)) {
    for (const auto& [text, row] : table.items()) rows_[text] = row.get<std::vector<float>>();
  }
  FeatureMatrix encode_texts_unnormalized(const std::vector<std::string>& texts, int, const ProgressFn&) const override {
    FeatureMatrix m{texts.size(), dim_, {}};
    for (const auto& t : texts) {
      const auto it = rows_.find(t);
      if (it == rows_.end()) throw Error(ErrorCode::invalid_argument, "no feature for '" + t + "'");
      m.data.insert(m.data.end(), it->second.begin(), it->second.end());
    }
    ++raw_calls;
    return m;
  }
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int batch, const ProgressFn& p) const override {
    FeatureMatrix m = encode_texts_unnormalized(texts, batch, p);
    for (size_t i = 0; i < m.rows; ++i) {
      double n = 0;
      for (int d = 0; d < dim_; ++d) n += static_cast<double>(m.row(i)[d]) * m.row(i)[d];
      for (int d = 0; d < dim_; ++d) m.row(i)[d] = static_cast<float>(m.row(i)[d] / std::sqrt(n));
    }
    return m;
  }
  const std::string& fingerprint() const override { return fingerprint_; }
  float logit_scale() const override { return 100.f; }  // the reference's literal 100
  int embed_dim() const override { return dim_; }
  mutable int raw_calls = 0;

 private:
  int dim_;
  std::string fingerprint_;
  std::map<std::string, std::vector<float>> rows_;
};

std::filesystem::path write_csp_corpus(const json& files) {
  const auto dir = test::temp_dir();
  for (const auto& [name, content] : files.items()) std::ofstream(dir / name, std::ios::binary) << content.get<std::string>();
  return dir;
}

CspOptions csp_options_of(const json& c) {
  CspOptions o;
  o.ratio = c["ratio"];
  o.groups = c["groups"];
  o.seed = c["seed"];
  o.percentile = c["percentile"];
  o.exclude = c["exclude"].get<std::vector<std::string>>();
  return o;
}

void expect_rows_near(const FeatureMatrix& got, const json& want, double tol, const std::string& what) {
  ASSERT_EQ(got.rows, want.size()) << what;
  for (size_t i = 0; i < got.rows; ++i)
    for (int d = 0; d < got.dim; ++d) ASSERT_NEAR(got.row(i)[d], want[i][d].get<double>(), tol) << what << " row " << i;
}

TEST(PythonRandom, MatchesCPythonsStream) {
  PythonRandom r(0);  // random.seed(0); [random.getrandbits(32) for _ in range(3)]
  EXPECT_EQ(r.getrandbits32(), 3626764237u);
  EXPECT_EQ(r.getrandbits32(), 1654615998u);
  EXPECT_EQ(r.getrandbits32(), 3255389356u);
  // random.seed(s); [random.choice(range(14)) for ...] (CPython 3.11)
  PythonRandom a(0);
  for (size_t want : {13, 6, 12, 6, 0, 4, 8, 7, 6, 12, 13, 4, 7, 5, 9, 3, 8, 2, 4, 2}) EXPECT_EQ(a.randbelow(14), want);
  PythonRandom b(7);
  for (size_t want : {5, 2, 6, 10, 0}) EXPECT_EQ(b.randbelow(14), want);
}

TEST(TorchQuantile, EqualsTorchLinearInterpolationInFloat32) {
  struct Case {
    std::vector<float> row;
    double q;
    float want;  // torch.quantile(torch.tensor(row), q) with torch 1.13
  };
  const std::vector<Case> cases{{{0.3f, -0.1f, 0.7f, 0.2f, 0.5f}, 0.95, 0.6599999666213989f},
                                {{0.1f, 0.2f, 0.3f}, 0.5, 0.20000000298023224f},
                                {{0.25f, 0.125f, -0.5f, 0.75f, 0.f, 0.5f, 1.f}, 0.95, 0.9249999523162842f},
                                {{0.4f}, 0.95, 0.4000000059604645f},
                                {{0.9f, 0.1f, 0.33f, 0.66f}, 0.0, 0.10000000149011612f},
                                {{0.3f, -0.1f, 0.7f, 0.2f, 0.5f}, 0.3, 0.2200000137090683f},  // weight 0.2
                                {{0.11f, 0.52f, -0.33f, 0.91f, 0.05f, 0.47f, 0.29f, 0.68f}, 0.95, 0.8295000195503235f}};
  for (auto c : cases) EXPECT_EQ(torch_quantile(c.row.data(), c.row.size(), c.q), c.want);
}

TEST(CspPool, PromptsAreTheReferencesInOrder) {
  const json g = csp_goldens();
  const auto dir = write_csp_corpus(g["files"]);
  const auto classes = g["classes"].get<std::vector<std::string>>();
  for (const auto& [name, c] : g["configs"].items()) {
    const CspPool pool = build_csp_pool(read_corpus_files(dir), c["exclude"].get<std::vector<std::string>>(), c["seed"]);
    std::vector<std::string> prompts;  // the ID ensembles are tokenized template-major
    for (const auto& t : csp_noun_templates())
      for (const auto& cls : classes) prompts.push_back(apply_template(t, cls));
    for (auto v : {pool.prompts_of_nouns(), pool.prompts_of_adjectives()}) prompts.insert(prompts.end(), v.begin(), v.end());
    EXPECT_EQ(prompts, c["prompts"].get<std::vector<std::string>>()) << name;
  }
}

TEST(CspBank, EqualsTheAuthorsBankAndScores) {
  const json g = csp_goldens();
  const auto dir = write_csp_corpus(g["files"]);
  const TableTextModel model(g["text_features"], g["dim"], "");
  const auto classes = g["classes"].get<std::vector<std::string>>();
  for (const auto& [name, c] : g["configs"].items()) {
    SCOPED_TRACE(name);
    const CspBank bank = select_csp_bank(model, classes, csp_options_of(c), dir);
    expect_rows_near(bank.ids.features, c["id_features"], 1e-5, "ID ensembles");
    expect_rows_near(bank.bank.features, c["bank_features"], 1e-5, "bank");
    EXPECT_EQ(bank.n_nouns, c["n_nouns"].get<size_t>());
    EXPECT_EQ(bank.ids.prompts, classes);

    ScorerOptions so;
    so.method = Method::csp;
    so.csp = csp_options_of(c);
    so.neglabel.corpus_dir = dir;
    OodScorer scorer(model, classes, so, nullptr);
    std::vector<ImageEmbedding> batch;
    for (const auto& row : c["images"]) batch.push_back({"img", row.get<std::vector<float>>(), ""});
    const auto rows = scorer.score(batch);
    double worst = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_NEAR(rows[i].score, c["scores"][i].get<double>(), 1e-4) << "image " << i;
      EXPECT_EQ(rows[i].pred, c["pred"][i].get<int>()) << "image " << i;
      worst = std::max(worst, std::fabs(rows[i].score - c["scores"][i].get<double>()));
    }
    RecordProperty("max_abs_diff_" + name, std::to_string(worst));
  }
}

// ID class names are not removed from the pool (the reference's default), but the max-similarity
// rule ranks them last with "nearid" (whose prompts copy ID class 0's): none is ever kept first.
TEST(CspBank, NounsNextToAnIdClassScoreOneAndComeLast) {
  const json g = csp_goldens();
  const TableTextModel model(g["text_features"], g["dim"], "");
  CspOptions o = csp_options_of(g["configs"]["ratio-half-5-groups"]);
  o.ratio = 1.0;  // keep every candidate
  const CspBank bank = select_csp_bank(model, g["classes"], o, write_csp_corpus(g["files"]));
  ASSERT_GE(bank.n_nouns, 2u);
  const size_t n = bank.n_nouns;
  EXPECT_EQ(std::set<std::string>({bank.bank.prompts[n - 2], bank.bank.prompts[n - 1]}),
            std::set<std::string>({"nearid", "pickup truck"}));
  EXPECT_EQ(bank.similarity[n - 1], 1.f);
  EXPECT_EQ(bank.similarity[n - 2], 1.f);
  for (size_t i = 0; i + 2 < n; ++i) EXPECT_LT(bank.similarity[i], 1.f);
  EXPECT_EQ(bank.bank.size(), bank.pool_nouns + bank.pool_adjectives);
}

TEST(CspBank, ThePoolIsCachedPerModelAndServesAnotherClassList) {
  const json g = csp_goldens();
  const TableTextModel model(g["text_features"], g["dim"], "table-model\n");
  const auto dir = write_csp_corpus(g["files"]);
  const CspOptions o = csp_options_of(g["configs"]["ratio-half-5-groups"]);
  const CacheOptions cache{true, test::temp_dir()};
  const auto classes = g["classes"].get<std::vector<std::string>>();
  const CspBank first = select_csp_bank(model, classes, o, dir, cache);
  EXPECT_FALSE(first.pool_cached);
  const int calls = model.raw_calls;
  const CspBank again = select_csp_bank(model, classes, o, dir, cache);
  EXPECT_TRUE(again.pool_cached);
  EXPECT_EQ(model.raw_calls, calls);  // nothing encoded
  EXPECT_EQ(again.bank.features.data, first.bank.features.data);
  const std::vector<std::string> fewer(classes.begin(), classes.begin() + 3);
  const CspBank other = select_csp_bank(model, fewer, o, dir, cache);
  EXPECT_TRUE(other.pool_cached);
  EXPECT_EQ(model.raw_calls, calls + 1);  // only the new ID ensembles
}

TEST(CspBank, RefusesBadOptionsAndModelsWithoutRawFeatures) {
  const json g = csp_goldens();
  const TableTextModel model(g["text_features"], g["dim"], "");
  const auto dir = write_csp_corpus(g["files"]);
  CspOptions o;
  o.ratio = 0;
  EXPECT_THROW(select_csp_bank(model, g["classes"], o, dir), Error);
  o.ratio = 0.01;  // floor(0.01 · n) = 0 of each part of speech
  EXPECT_THROW(select_csp_bank(model, g["classes"], o, dir), Error);
  EXPECT_THROW(select_csp_bank(model, {}, CspOptions{}, dir), Error);

  class UnitOnly : public TextModel {
   public:
    FeatureMatrix encode_texts(const std::vector<std::string>& t, int, const ProgressFn&) const override {
      return FeatureMatrix{t.size(), 4, std::vector<float>(t.size() * 4, 0.5f)};
    }
    const std::string& fingerprint() const override { return none_; }
    float logit_scale() const override { return 100.f; }
    int embed_dim() const override { return 4; }
    std::string none_;
  } unit_only;
  CspOptions few_groups;
  few_groups.groups = 1;
  try {
    select_csp_bank(unit_only, g["classes"], few_groups, dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }

  ScorerOptions so;
  so.method = Method::csp;
  so.neglabel.corpus_dir = dir;
  so.csp.ratio = 0.5;  // 32 labels, fewer than the default 100 groups
  try {
    OodScorer scorer(model, g["classes"], so, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--csp-groups"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ants::ood
