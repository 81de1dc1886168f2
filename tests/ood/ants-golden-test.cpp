// The detector against the authors' own postprocessor (ZhuWenjie98/ANTS HEAD) on a scripted
// 960-image stream: tests/data/ants-stream-goldens.json, made by scripts/gen-ants-stream-goldens.py.
#include <ants/detector.h>
#include <ants/mllm.h>
#include <gtest/gtest.h>

#include <map>

#include "text/labels.h"
#include "test-util.h"

namespace ants {
namespace {

using nlohmann::json;

const json& ants_goldens() {
  static const json g = test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/ants-stream-goldens.json");
  return g;
}

FeatureMatrix ants_matrix(const json& rows, int dim) {
  FeatureMatrix m{rows.size(), dim, {}};
  for (const auto& r : rows)
    for (const auto& v : r) m.data.push_back(v.get<float>());
  return m;
}

// Answers exactly what the authors' scripted backend answered; "silent" answers nothing.
struct ScriptedMllm : Mllm {
  const json& g;
  bool silent;
  ScriptedMllm(const json& golden, bool is_silent) : g(golden), silent(is_silent) {}
  std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>&) override {
    std::vector<std::optional<std::string>> out;
    for (const auto& f : images) {
      const json& a = g.at("describe").at(f.name);
      out.push_back(silent || a.is_null() ? std::nullopt : std::optional<std::string>(a.get<std::string>()));
    }
    return out;
  }
  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) override {
    std::vector<std::optional<std::vector<std::string>>> out;
    for (const auto& c : classes) out.push_back(text::parse_numbered(silent ? "" : g.at("similar").at(c).get<std::string>()));
    return out;
  }
  bool supports_similar() const override { return true; }
};

DetectorOptions ants_options_of(const json& e) {
  DetectorOptions o;
  const std::string mode = e.at("in_score");
  o.mode = mode == "ada" ? FusionMode::ada : mode == "far_only" ? FusionMode::far_only : FusionMode::near_only;
  o.eta = e.at("eta");
  o.group_num = e.at("group_num");
  o.permute = e.at("random_permute");
  o.ens_stop_step = e.at("ens_stop_step");
  o.near_start_batch = e.at("near_label_start_batch");
  o.near_interval = e.at("near_label_interval");
  o.neglabel_init = e.at("neglabel_init_flag");
  o.activation_aware = e.at("activation_aware_ens");
  o.activation_count = e.at("activation_negative_count");
  o.activation_step = e.at("activation_step");
  o.activation_gap = e.at("activation_gap");
  o.activation_history = e.at("activation_score_queue_size");
  o.queue_cap = e.at("FAR_QUEUE_MAX_SIZE");
  o.min_candidates = e.at("MIN_ENSEMBLE_CANDIDATES");
  o.similar_limit = e.at("SIMILAR_CLASS_LIMIT");
  o.balance_repeats = e.at("NEAR_BALANCE_REPEATS");
  o.gamma0 = e.at("initial_gamma");
  return o;
}

class AuthorsGolden : public ::testing::TestWithParam<int> {};

TEST_P(AuthorsGolden, ScoresAndTraceMatchTheAuthorsCode) {
  const json& g = ants_goldens();
  const json& run = g.at("runs").at(static_cast<size_t>(GetParam()));
  const int dim = g.at("dim");
  const size_t batch = g.at("batch_size");
  std::map<std::string, std::vector<float>> text_features;
  for (const auto& [text, v] : g.at("text_features").items()) text_features[text] = v.get<std::vector<float>>();
  TextEncoder encoder = [&](const std::vector<std::string>& texts) {
    FeatureMatrix m{texts.size(), dim, {}};
    for (const auto& t : texts) {
      auto it = text_features.find(t);
      if (it == text_features.end()) throw std::runtime_error("the authors never encoded '" + t + "'");
      m.data.insert(m.data.end(), it->second.begin(), it->second.end());
    }
    return m;
  };
  ScriptedMllm mllm(g, run.at("mllm") == "silent");
  AntsDetector det(ants_matrix(g.at("id_features"), dim), ants_matrix(g.at("neglabel_features"), dim), g.at("scale"),
                   g.at("class_names").get<std::vector<std::string>>(), encoder, &mllm, ants_options_of(run.at("effective")));
  const FeatureMatrix all = ants_matrix(g.at("image_features"), dim);
  const auto files = g.at("files").get<std::vector<std::string>>();
  const auto near = [](const json& v, size_t i, const char* key) {
    const json& x = v.at(key).at(i);
    return x.is_null() ? v.at("base").at(i).get<double>() : x.get<double>();
  };
  for (size_t start = 0, t = 0; start < all.rows; start += batch, ++t) {
    const size_t b = std::min(batch, all.rows - start);
    FeatureMatrix images{b, dim, std::vector<float>(all.row(start), all.row(start) + b * static_cast<size_t>(dim))};
    const std::vector<ImageRef> paths(files.begin() + static_cast<std::ptrdiff_t>(start),
                                                   files.begin() + static_cast<std::ptrdiff_t>(start + b));
    const std::vector<DetectorScore> out = det.process(images, paths);
    const json& tr = run.at("trace").at(t);
    const DetectorStats st = det.stats();
    ASSERT_EQ(st.ens_updates, tr.at("ens_updates")) << "batch " << t + 1;
    ASSERT_EQ(st.pending_candidates, tr.at("pending")) << "batch " << t + 1;
    ASSERT_EQ(st.far_rows, tr.at("ens_rows")) << "batch " << t + 1;
    ASSERT_EQ(st.near_rows, tr.at("vsnl_rows")) << "batch " << t + 1;
    ASSERT_NEAR(st.gamma, tr.at("gamma").get<double>(), 1e-6) << "batch " << t + 1;
    if (tr.contains("lambda") && !tr.at("lambda").is_null()) {
      ASSERT_NEAR(st.lambda, tr.at("lambda").get<double>(), 1e-4) << "batch " << t + 1;
    }
    if (tr.contains("ens_update")) {  // this update's labels open the bank (newest first)
      const auto want = tr["ens_update"]["labels"].get<std::vector<std::string>>();
      const auto have = det.far_labels();
      EXPECT_EQ(std::vector<std::string>(have.begin(), have.begin() + static_cast<std::ptrdiff_t>(want.size())), want);
    }
    if (tr.contains("vsnl_update")) {
      EXPECT_EQ(det.near_labels(), tr["vsnl_update"]["labels"].get<std::vector<std::string>>());
    }
    for (size_t i = 0; i < b; ++i) {
      const size_t k = start + i;
      ASSERT_EQ(out[i].pred, run.at("preds").at(k)) << "image " << k;
      ASSERT_NEAR(out[i].base, run.at("base").at(k).get<double>(), 1e-4) << "image " << k;
      ASSERT_NEAR(out[i].far, near(run, k, "far"), 1e-4) << "image " << k;
      ASSERT_NEAR(out[i].near, near(run, k, "near"), 1e-4) << "image " << k;
      ASSERT_NEAR(out[i].score, run.at("scores").at(k).get<double>(), 1e-4) << "image " << k << " batch " << t + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Runs, AuthorsGolden, ::testing::Range(0, 8), [](const auto& p) {
  return ants_goldens().at("runs").at(static_cast<size_t>(p.param)).at("name").template get<std::string>();
});

}  // namespace
}  // namespace ants
