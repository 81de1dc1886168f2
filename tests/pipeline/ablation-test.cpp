// ants ablate in the library: the built-in tables, grid files, and a grid run whose variants are
// each the eval of their options, over one embedding pass.
#include <ants/ablation.h>
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "pipeline-fixture.h"
#include "test-util.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::PipelineModel;

TEST(AblationTables, PaperTablesHoldTheirRows) {
  EXPECT_EQ(ablation_table_names(), (std::vector<std::string>{"paper-3", "paper-9"}));
  const auto t3 = ablation_table("paper-3");
  ASSERT_EQ(t3.size(), 6u);
  EXPECT_EQ(t3[0].name, "A-fixed-gamma");
  EXPECT_EQ(t3[0].options, (std::vector<std::pair<std::string, std::string>>{
                               {"mode", "far_only"}, {"threshold_rule", "fixed"}, {"lambda_rule", "head"}}));
  for (const auto& row : t3) {  // every row sets the rules it does not ablate, so base options cannot leak in
    std::set<std::string> names;
    for (const auto& o : row.options) names.insert(o.first);
    EXPECT_TRUE(names.count("mode") && names.count("threshold_rule") && names.count("lambda_rule")) << row.name;
  }
  EXPECT_EQ(t3[2].options.back(), (std::pair<std::string, std::string>{"near_select", "all"}));
  EXPECT_EQ(t3[4].options.back(), (std::pair<std::string, std::string>{"lambda_rule", "fixed:0.5"}));
  const auto t9 = ablation_table("paper-9");
  ASSERT_EQ(t9.size(), 3u);
  EXPECT_EQ(t9[1].options.back(), (std::pair<std::string, std::string>{"lambda_rule", "log"}));
  EXPECT_THROW(ablation_table("paper-4"), Error);
}

TEST(AblationGrid, ReadsNamesAndOptionsAndNamesWhatIsWrong) {
  const fs::path dir = test::temp_dir();
  core::write_file_atomic(dir / "grid.json", R"({"variants": [
      {"name": "low-eta", "options": {"eta": 0.3, "activation_aware": true, "lambda_rule": "fixed:0.25"}},
      {"name": "base"}]})");
  const auto grid = read_ablation_grid(dir / "grid.json");
  ASSERT_EQ(grid.size(), 2u);
  EXPECT_EQ(grid[0].options, (std::vector<std::pair<std::string, std::string>>{  // in file order
                                 {"eta", "0.3"}, {"activation_aware", "true"}, {"lambda_rule", "fixed:0.25"}}));
  EXPECT_TRUE(grid[1].options.empty());
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {R"({"variants": []})", "no variant"},
           {R"({"variants": [{"name": "a/b"}]})", "letters, digits"},
           {R"({"variants": [{"name": "a"}, {"name": "a"}]})", "named twice"},
           {R"({"variants": [{"name": "a", "options": {"speed": 2}}]})", "speed: no such option"},
           {R"({"variants": [{"name": "a", "options": {"eta": [1]}}]})", "variants[0].options.eta"},
           {R"({"variants": [{"name": "a", "options": {"near_select": "ratio:7"}}]})", "--near-select"},
           {R"({"variants": [{"name": "a", "options": {"near_top": 3, "near_select": "all"}}]})", "give one"},
           {R"({"grid": 1})", "variants"}}) {
    core::write_file_atomic(dir / "bad.json", text);
    try {
      read_ablation_grid(dir / "bad.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
}

// Each variant's metrics are those of an eval with its options; the images are embedded by the
// first variant only; grid.csv and report.html hold every variant.
TEST_F(PipelineModel, AnAblationRunIsOneEvalPerVariantOverOneEmbeddingPass) {
  AblationInput in;
  in.model = model_;
  in.classes = demo_class_names();
  in.base = scorer_options();
  in.id_images = id_;
  const size_t half = ood_.size() / 2;
  in.ood_sets = {OodSet{"textures-far", "far", {ood_.begin(), ood_.begin() + half}},
                 OodSet{"textures-near", "near", {ood_.begin() + half, ood_.end()}}};
  in.eval = eval_options();
  in.facts.model_dir = "tiny";
  const std::vector<AblationVariant> variants{{"mcm", {{"method", "mcm"}}}, {"neglabel", {{"method", "neglabel"}}}};
  const fs::path out = dir_ / "ablate";
  std::vector<std::string> seen;
  AblationPlan plan = plan_ablation(in, variants);
  const json grid = json::parse(run_ablation(plan, out, [&](size_t i, size_t n, const std::string& name,
                                                            const std::string&, size_t, size_t) {
    EXPECT_EQ(n, 2u);
    if (seen.size() == i) seen.push_back(name);
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"mcm", "neglabel"}));
  ASSERT_EQ(grid["variants"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const json& v = grid["variants"][i];
    EXPECT_EQ(v["name"], variants[i].name);
    EXPECT_EQ(v["options"]["method"], variants[i].options[0].second);
    ScorerOptions o = in.base;
    o.method = parse_method(variants[i].options[0].second);
    OodScorer scorer(*model_, in.classes, o, nullptr);
    const EvalResult direct = run_eval(*model_, scorer, id_, in.ood_sets, in.eval);
    const json want = json::parse(eval_metrics_json(direct, in.ood_sets, in.eval, eval_run_info(*model_, scorer, in.facts)));
    EXPECT_EQ(v["metrics"]["sets"], want["sets"]) << v["name"];
    EXPECT_EQ(v["metrics"]["splits"], want["splits"]) << v["name"];
    EXPECT_TRUE(fs::exists(out / "variants" / variants[i].name / "report.html"));
  }
  const json second_run = test::read_json(out / "variants" / "neglabel" / "run.json");
  EXPECT_EQ(second_run["embedding_cache_hits"], second_run["images"].get<int>() - 1);  // all but the broken file
  const std::string csv = core::read_file(out / "grid.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * (2 + 2));  // header + variants × (sets + splits)
  EXPECT_NE(csv.find("neglabel,nearood,split,"), std::string::npos);
  const std::string html = core::read_file(out / "report.html");
  EXPECT_NE(html.find("near-OOD"), std::string::npos);
  EXPECT_NE(html.find("class='best'"), std::string::npos);
  EXPECT_LT(html.find("near-OOD"), html.find("far-OOD"));
  // Checked before any image: a bad value, a repeated name, a value the detector refuses.
  EXPECT_THROW(plan_ablation(in, {{"x", {{"eta", "two"}}}}), Error);
  EXPECT_THROW(plan_ablation(in, {{"x", {}}, {"x", {}}}), Error);
  try {
    plan_ablation(in, {{"ok", {}}, {"noisy", {{"ens_id_noise", "2"}}}});
    ADD_FAILURE() << "ens_id_noise 2 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("variant 'noisy'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ens_id_noise"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ants
