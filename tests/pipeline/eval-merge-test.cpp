// An evaluation spread over parts (`eval --runs`) and merged (`eval-merge`) writes what one eval
// over all runs writes; parts of different evaluations, and runs missing or given twice, are
// refused by name.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file-util.h"
#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class EvalMerge : public PipelineModel {
 protected:
  void SetUp() override {
    PipelineModel::SetUp();
    const size_t half = ood_.size() / 2;  // the broken file lands in "inat"
    sets_ = {OodSet{"textures", "far", {ood_.begin(), ood_.begin() + static_cast<std::ptrdiff_t>(half)}},
             OodSet{"inat", "near", {ood_.begin() + static_cast<std::ptrdiff_t>(half), ood_.end()}},
             OodSet{"ssb", "near", {ood_.begin(), ood_.begin() + 4}}};
  }

  // One eval (or one part of it, with `runs`) written to dir_/name.
  fs::path eval_into(const std::string& name, std::vector<RunKey> runs, std::vector<uint32_t> seeds = {0, 3}) {
    OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm_);
    EvalOptions eo = eval_options();
    eo.seeds = std::move(seeds);
    eo.runs = std::move(runs);
    const EvalResult r = run_eval(*model_, scorer, id_, sets_, eo);
    EvalFacts facts{"models/tiny", "demo", "openood", "", "ada", true, MllmStats{}};
    facts.mllm_stats->requests = 5;
    write_eval_outputs(dir_ / name, r, sets_, eo, eval_run_info(*model_, scorer, facts));
    return dir_ / name;
  }

  static json run_json_without_per_part_facts(const fs::path& dir) {
    json j = json::parse(core::read_file(dir / "run.json"));
    for (const char* k : {"timings", "embedding_cache_hits", "mllm"}) j.erase(k);
    return j;
  }

  std::string merge_error(const std::vector<fs::path>& parts) {
    try {
      merge_eval_outputs(dir_ / "merged-error", parts);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "the merge was not refused";
    return "";
  }

  test::FakeMllm mllm_;
  std::vector<OodSet> sets_;
};

TEST_F(EvalMerge, PartsMergeIntoTheFilesOfOneEval) {
  const fs::path whole = eval_into("whole", {});
  const std::vector<fs::path> parts{eval_into("p0", {{"inat", 3}, {"textures", 0}}),
                                    eval_into("p1", {{"textures", 3}, {"ssb", 0}}),
                                    eval_into("p2", {{"inat", 0}, {"ssb", 3}})};
  const MergedEval merged = merge_eval_outputs(dir_ / "merged", parts);
  const json metrics = json::parse(merged.metrics_json);
  EXPECT_EQ(merged.skipped, std::vector<std::string>{ood_.back().file});  // the broken file
  for (const char* f : {"metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json"})
    EXPECT_EQ(core::read_file(dir_ / "merged" / f), core::read_file(whole / f)) << f;
  EXPECT_EQ(run_json_without_per_part_facts(dir_ / "merged"), run_json_without_per_part_facts(whole));
  const json run = json::parse(core::read_file(dir_ / "merged" / "run.json"));
  EXPECT_EQ(run["mllm"]["requests"], 15);  // summed over the parts
  EXPECT_FALSE(run.contains("runs"));
  EXPECT_EQ(run["skipped"].size(), 1u);  // the broken file, once
  EXPECT_EQ(metrics, json::parse(core::read_file(whole / "metrics.json")));
  EXPECT_EQ(metrics["splits"].size(), 2u);
  const std::string report = core::read_file(dir_ / "merged" / "report.html");
  for (const char* set : {"textures", "inat", "ssb"}) EXPECT_NE(report.find(set), std::string::npos) << set;
  // A part holds only its runs, and its run.json says which.
  const json p0 = json::parse(core::read_file(parts[0] / "metrics.json"));
  EXPECT_EQ(p0["sets"].size(), 2u);
  EXPECT_EQ(json::parse(core::read_file(parts[0] / "run.json"))["runs"].size(), 2u);
}

// A part written before trace.csv had AdaNeg's memory columns still merges: the merged trace has
// the columns every part has, and the report still draws it.
TEST_F(EvalMerge, APartOfAnEarlierVersionMergesWithTheColumnsAllPartsHave) {
  const std::vector<fs::path> parts{eval_into("p0", {{"inat", 3}, {"textures", 0}, {"ssb", 0}}),
                                    eval_into("p1", {{"textures", 3}, {"inat", 0}, {"ssb", 3}})};
  merge_eval_outputs(dir_ / "new", parts);
  const std::string full = core::read_file(dir_ / "new" / "trace.csv");
  EXPECT_EQ(full.substr(0, full.find('\n')),
            "set,seed,batch,gamma,lambda,far_rows,near_rows,ens_updates,vsnl_updates,memory_labels,memory_images");
  // A part's trace.csv as the earlier version wrote it: the first 9 columns of every record.
  const auto to_earlier_layout = [](const fs::path& file) {
    std::istringstream in(core::read_file(file));
    std::string line, old;
    while (std::getline(in, line)) {
      size_t cut = 0;
      for (int commas = 0; commas < 9 && cut != std::string::npos; ++commas) cut = line.find(',', cut + (commas ? 1 : 0));
      old += line.substr(0, cut) + "\n";
    }
    core::write_file_atomic(file, old);
  };
  to_earlier_layout(parts[1] / "trace.csv");
  merge_eval_outputs(dir_ / "mixed", parts);
  const std::string mixed = core::read_file(dir_ / "mixed" / "trace.csv");
  EXPECT_EQ(mixed.substr(0, mixed.find('\n')), "set,seed,batch,gamma,lambda,far_rows,near_rows,ens_updates,vsnl_updates");
  EXPECT_EQ(std::count(mixed.begin(), mixed.end(), '\n'), std::count(full.begin(), full.end(), '\n'));
  EXPECT_NE(core::read_file(dir_ / "mixed" / "report.html").find("λ (fusion weight)"), std::string::npos);  // drawn
  to_earlier_layout(parts[0] / "trace.csv");  // both of the earlier version: its layout
  merge_eval_outputs(dir_ / "old", parts);
  const std::string both_old = core::read_file(dir_ / "old" / "trace.csv");
  EXPECT_EQ(both_old.substr(0, both_old.find('\n')), "set,seed,batch,gamma,lambda,far_rows,near_rows,ens_updates,vsnl_updates");
  core::write_file_atomic(parts[1] / "trace.csv", "set,seed,batch,gamma,lambda,far_rows\n");  // neither version
  try {
    merge_eval_outputs(dir_ / "neither", parts);
    ADD_FAILURE() << "a trace.csv of neither version was merged";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("trace.csv"), std::string::npos) << e.what();
  }
}

TEST_F(EvalMerge, APartEmbedsOnlyTheImagesOfItsSets) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  EvalOptions eo = eval_options();
  eo.runs = {{"textures", 3}};
  const EvalResult r = run_eval(*model_, scorer, id_, sets_, eo);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].set, "textures");
  EXPECT_EQ(r.runs[0].seed, 3u);
  EXPECT_EQ(r.images, id_.size() + sets_[0].images.size());
  EXPECT_TRUE(r.failed.empty());  // the broken file is in "inat", which this part does not run
  ASSERT_EQ(r.inputs.size(), 4u);  // yet run.json names every input
  EXPECT_EQ(r.inputs[2].name, "inat");
  EXPECT_EQ(r.inputs[2].images, sets_[1].images.size());
}

TEST_F(EvalMerge, RunsMustNameSetsAndSeedsOfTheEval) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  auto error = [&](std::vector<RunKey> runs) {
    EvalOptions eo = eval_options();
    eo.runs = std::move(runs);
    try {
      run_eval(*model_, scorer, id_, sets_, eo);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      return std::string(e.what());
    }
    return std::string("not refused");
  };
  EXPECT_NE(error({{"places", 0}}).find("no OOD set is named 'places'"), std::string::npos);
  EXPECT_NE(error({{"inat", 7}}).find("seed 7 is not one of --seeds"), std::string::npos);
  EXPECT_NE(error({{"inat", 0}, {"inat", 0}}).find("given twice"), std::string::npos);
  OodScorer again(*model_, demo_class_names(), scorer_options(), nullptr);
  EvalOptions twice = eval_options();
  twice.seeds = {0, 3, 0};
  EXPECT_THROW(run_eval(*model_, again, id_, sets_, twice), Error);  // a part could not name either run
}

TEST(EvalRunKeys, ParseSetColonSeedLists) {
  EXPECT_EQ(parse_run_keys("inat:0,textures:12"), (std::vector<RunKey>{{"inat", 0}, {"textures", 12}}));
  EXPECT_EQ(parse_run_keys("a:b:4"), (std::vector<RunKey>{{"a:b", 4}}));
  for (const char* bad : {"", "inat", "inat:", ":3", "inat:x", "inat:-1", "inat:4294967296", "inat:0,"})
    EXPECT_THROW(parse_run_keys(bad), Error) << bad;
}

TEST_F(EvalMerge, PartsOfDifferentEvaluationsAreRefusedByName) {
  const fs::path a = eval_into("a", {{"textures", 0}, {"textures", 3}, {"inat", 0}, {"inat", 3}});
  const fs::path b = eval_into("b", {{"ssb", 0}, {"ssb", 3}});
  const fs::path other_seeds = eval_into("c", {{"ssb", 0}, {"ssb", 5}}, {0, 5});
  EXPECT_NE(merge_error({a, other_seeds}).find("run.json 'seeds'"), std::string::npos);
  EXPECT_NE(merge_error({a, b, b}).find("is in both"), std::string::npos);
  EXPECT_NE(merge_error({a}).find("run ssb:0 is in none of the directories"), std::string::npos);
  sets_[2].images.pop_back();  // another list for ssb
  const fs::path other_list = eval_into("d", {{"ssb", 0}, {"ssb", 3}});
  EXPECT_NE(merge_error({a, other_list}).find("run.json 'inputs'"), std::string::npos);
  EXPECT_NO_THROW(merge_eval_outputs(dir_ / "ok", {b, a}));  // any order of the parts
}

TEST_F(EvalMerge, MalformedPartsAreFormatErrorsNamingTheFile) {
  const fs::path a = eval_into("a", {{"textures", 0}, {"textures", 3}, {"inat", 0}, {"inat", 3}, {"ssb", 0}, {"ssb", 3}});
  auto error_after = [&](const char* file, const std::function<void(json&)>& edit) {
    const std::string original = core::read_file(a / file);
    json j = json::parse(original);
    edit(j);
    core::write_file_atomic(a / file, j.dump());
    std::string what = "not refused";
    try {
      merge_eval_outputs(dir_ / "m", {a});
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
      what = e.what();
    }
    core::write_file_atomic(a / file, original);
    return what;
  };
  EXPECT_NE(error_after("run.json", [](json& j) { j["skipped"] = json::array({7}); }).find("run.json"), std::string::npos);
  EXPECT_NE(error_after("run.json", [](json& j) { j["mllm"]["requests"] = "many"; }).find("mllm.requests"), std::string::npos);
  EXPECT_NE(error_after("run.json", [](json& j) { j["timings"]["embed_s"] = "slow"; }).find("timings"), std::string::npos);
  EXPECT_NE(error_after("negatives.json", [](json& j) { j[0]["seed"] = -1; }).find("negatives.json"), std::string::npos);
  EXPECT_NE(error_after("metrics.json", [](json& j) { j["sets"][0]["n_id"] = -3; }).find("n_id"), std::string::npos);
  // A run whose rows are missing from scores.csv (e.g. its set name was rewritten) is named.
  const std::string scores = core::read_file(a / "scores.csv");
  std::string without_ssb;
  std::istringstream lines(scores);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("ssb,", 0) != 0) without_ssb += line + "\n";
  core::write_file_atomic(a / "scores.csv", without_ssb);
  try {
    merge_eval_outputs(dir_ / "m", {a});
    ADD_FAILURE() << "not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds no rows for run ssb:0"), std::string::npos) << e.what();
  }
}

TEST_F(EvalMerge, AnUnreadablePartIsNamed) {
  const fs::path a = eval_into("a", {{"textures", 0}});
  fs::remove(a / "trace.csv");
  try {
    merge_eval_outputs(dir_ / "m", {a});
    FAIL() << "not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trace.csv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ants
