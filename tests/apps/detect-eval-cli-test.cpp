// ants detect / calibrate / eval / demo end to end on the shared tiny model with generated
// images, a corrupt file and a scripted MLLM server.
#include <ants/metrics.h>
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "cli-fixture.h"
#include "cli-runner.h"
#include "core/file-util.h"
#include "fake-openai-server.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

// Splits one RFC 4180 CSV line.
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> f(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      f.back() += '"', ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      f.emplace_back();
    } else {
      f.back() += c;
    }
  }
  return f;
}

class DetectEvalCli : public ::testing::Test {
 protected:
  // The ~72k NegLabel candidate prompts are embedded once per build tree (test::shared_text_cache);
  // each test starts from a copy of those text embeddings (its image embeddings stay its own).
  static void SetUpTestSuite() {
    if (test::cli_path().empty()) return;
    warm_ = new fs::path(test::warm_text_cache());
  }
  static void TearDownTestSuite() {
    delete warm_;
    warm_ = nullptr;
  }

  void SetUp() override {
    if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
    dir_ = test::temp_dir();
    test::copy_cache_entries(*warm_ / "text-embeddings", dir_ / "cache" / "text-embeddings");
    id_ = write_demo_images(dir_ / "images", 24, 24);
    core::write_file_atomic(dir_ / "images" / "ood" / "corrupt.png", "\x89PNG\r\n\x1a\n truncated");
    std::string classes, list;
    for (const auto& c : demo_class_names()) classes += c + "\n";
    for (const auto& im : id_) list += fs::relative(im.file, dir_ / "images").string() + " " + std::to_string(im.label) + "\n";
    core::write_file_atomic(dir_ / "classes.txt", classes);
    core::write_file_atomic(dir_ / "id.txt", list);
  }

  std::vector<std::string> scoring_args() const {
    return {"--model", test::tiny_model_dir().string(), "--precision", "fp32", "--classes", (dir_ / "classes.txt").string(),
            "--count", "300", "--batch", "8", "--min-candidates", "4", "--near-start", "2", "--near-interval", "2",
            "--cache-dir", (dir_ / "cache").string()};
  }
  // `ants eval` of the fixture's ID and OOD directories into dir_/out, then `extra`, then the
  // scoring options.
  std::vector<std::string> eval_args(const std::string& out, const std::vector<std::string>& extra = {}) const {
    return with(with({"eval", "--quiet", "--id", (dir_ / "images" / "id").string(), "--ood",
                      "t=" + (dir_ / "images" / "ood").string(), "--out", (dir_ / out).string()},
                     extra),
                scoring_args());
  }
  std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) const {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  }

  static fs::path* warm_;
  static std::vector<std::string> sync_mllm_args(const test::FakeOpenAiServer& server) {
    return {"--mllm-url", server.url(), "--mllm-sync", "--mllm-cache", "none"};
  }
  // detect over every image in one go: the reference a resumed run must equal.
  test::CliRun run_uninterrupted(const std::vector<std::string>& mllm) const {
    auto whole = with(with({"detect", "--quiet"}, scoring_args()), mllm);
    whole.push_back((dir_ / "images").string());
    return run_cli(whole);
  }

  fs::path dir_;
  std::vector<LabeledImage> id_;
};
fs::path* DetectEvalCli::warm_ = nullptr;

TEST_F(DetectEvalCli, DetectWritesARowForEveryInputIncludingTheCorruptOne) {
  auto args = with({"detect", "--quiet"}, scoring_args());
  args.push_back((dir_ / "images").string());
  const auto r = run_cli(args);
  EXPECT_EQ(r.code, 1) << r.err;  // one input could not be read
  const auto rows = test::split_lines(r.out);
  ASSERT_EQ(rows.size(), 1u + 49u);
  EXPECT_EQ(rows[0], "file,pred,pred_name,prob,score,ood,error");
  size_t errors = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto f = csv_split(rows[i]);
    ASSERT_EQ(f.size(), 7u) << rows[i];
    if (f[0].ends_with("corrupt.png")) {
      ++errors;
      EXPECT_TRUE(f[1].empty() && f[4].empty());
      EXPECT_NE(f[6].find("corrupt.png"), std::string::npos);
    } else {
      EXPECT_TRUE(f[6].empty()) << rows[i];
      const int pred = std::stoi(f[1]);
      EXPECT_EQ(f[2], demo_class_names()[static_cast<size_t>(pred)]);
      EXPECT_GT(std::stod(f[3]), 0.0);
    }
  }
  EXPECT_EQ(errors, 1u);
}

TEST_F(DetectEvalCli, DetectJsonLinesAndThresholdMarkOod) {
  auto args = with({"detect", "--quiet", "--method", "neglabel", "--threshold", "0.5", "--out", (dir_ / "rows.jsonl").string()},
                   scoring_args());
  args.push_back((dir_ / "images" / "id").string());
  const auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = test::split_lines(core::read_file(dir_ / "rows.jsonl"));
  ASSERT_EQ(rows.size(), 24u);
  for (const auto& line : rows) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["ood"].get<bool>(), j["score"].get<double>() < 0.5);
  }
}

TEST_F(DetectEvalCli, ResumingFromStateGivesTheScoresOfAnUninterruptedRun) {
  test::FakeOpenAiServer server(test::scripted_mllm());
  const auto mllm = sync_mllm_args(server);
  const auto full = run_uninterrupted(mllm);
  ASSERT_EQ(full.code, 1) << full.err;
  ASSERT_GT(server.requests(), 0);

  const std::string state = (dir_ / "detector.state").string(), out = (dir_ / "resumed.csv").string();
  auto part = with(with({"detect", "--quiet", "--state", state, "--state-every", "1", "--out", out}, scoring_args()), mllm);
  part.push_back((dir_ / "images").string());
  auto first = part;
  first.insert(first.begin() + 1, {"--max-inputs", "16"});
  EXPECT_EQ(run_cli(first).code, 0);
  EXPECT_EQ(test::split_lines(core::read_file(out)).size(), 17u);
  auto other = part;  // another method cannot resume this state
  other.insert(other.begin() + 1, {"--method", "mcm"});
  const auto refused = run_cli(other);
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("belongs to another method"), std::string::npos) << refused.err;
  EXPECT_EQ(run_cli(part).code, 1);  // the rest, including the corrupt file
  EXPECT_EQ(core::read_file(out), full.out);
}

// AdaNeg's memories are state too: a detect resumed from --state writes the rows of an
// uninterrupted run; eval records its options in run.json; a bad option value is a usage error.
TEST_F(DetectEvalCli, AdaNegResumesFromStateAndRecordsItsOptions) {
  const std::vector<std::string> adaneg{"--method", "adaneg", "--adaneg-memory", "3", "--adaneg-thres", "0.3"};
  const std::string full_out = (dir_ / "full.csv").string(), out = (dir_ / "resumed.csv").string();
  auto full = with(with({"detect", "--quiet", "--out", full_out}, scoring_args()), adaneg);
  full.push_back((dir_ / "images").string());
  ASSERT_EQ(run_cli(full).code, 1);  // the corrupt file
  auto part = with(with({"detect", "--quiet", "--state", (dir_ / "adaneg.state").string(), "--state-every", "1", "--out", out},
                        scoring_args()),
                   adaneg);
  part.push_back((dir_ / "images").string());
  auto first = part;
  first.insert(first.begin() + 1, {"--max-inputs", "16"});
  ASSERT_EQ(run_cli(first).code, 0);
  EXPECT_EQ(run_cli(part).code, 1);
  EXPECT_EQ(core::read_file(out), core::read_file(full_out));

  auto eval = with(eval_args("e"), adaneg);
  const auto r = run_cli(eval);
  ASSERT_EQ(r.code, 1) << r.err;  // the corrupt file; every other image is scored
  const auto run = test::read_json(dir_ / "e" / "run.json");
  EXPECT_EQ(run["setup"]["method"], "adaneg");
  EXPECT_EQ(run["setup"]["adaneg"]["memory"], 3);
  EXPECT_EQ(run["setup"]["adaneg"]["thres"], 0.3);
  EXPECT_EQ(run["setup"]["adaneg"]["score"], "combine");
  EXPECT_EQ(test::read_json(dir_ / "e" / "metrics.json")["method"], "adaneg");
  auto bad = eval;
  bad.insert(bad.end(), {"--adaneg-score", "sum"});
  EXPECT_EQ(run_cli(bad).code, 2);
}

// CSP builds its own bank from the corpus: eval and detect score with it, run.json and the report
// name its options, and what does not apply to it (a fixed bank, more groups than labels) is a
// usage error.
TEST_F(DetectEvalCli, CspScoresWithItsOwnBankAndRecordsItsOptions) {
  std::string nouns, adjectives;
  for (int i = 0; i < 40; ++i) nouns += "thing" + std::to_string(i) + (i % 7 == 0 ? "_part\n" : "\n");
  for (int i = 0; i < 20; ++i) adjectives += "shade" + std::to_string(i) + "\n";
  core::write_file_atomic(dir_ / "corpus" / "noun.artifact.txt", nouns);
  core::write_file_atomic(dir_ / "corpus" / "adj.all.txt", adjectives);
  const std::vector<std::string> csp{"--method", "csp", "--corpus", (dir_ / "corpus").string(), "--csp-ratio", "0.5",
                                     "--csp-groups", "4"};
  auto eval = with(eval_args("e"), csp);
  const auto r = run_cli(eval);
  ASSERT_EQ(r.code, 1) << r.err;  // the corrupt file; every other image is scored
  const auto run = test::read_json(dir_ / "e" / "run.json");
  EXPECT_EQ(run["setup"]["method"], "csp");
  EXPECT_EQ(run["setup"]["csp"]["groups"], 4);
  EXPECT_EQ(run["setup"]["csp"]["ratio"], 0.5);
  EXPECT_EQ(run["negatives"], 30);  // half of 40 nouns and of 20 adjectives
  EXPECT_EQ(test::read_json(dir_ / "e" / "metrics.json")["method"], "csp");
  EXPECT_NE(core::read_file(dir_ / "e" / "report.html").find("CSP groups 4"), std::string::npos);

  auto detect = with(with({"detect", "--quiet"}, scoring_args()), csp);
  detect.push_back((dir_ / "images" / "id").string());
  const auto d = run_cli(detect);
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(test::split_lines(d.out).size(), 1u + id_.size());

  auto fixed = detect;
  fixed.insert(fixed.end(), {"--negatives", (dir_ / "classes.txt").string()});
  const auto f = run_cli(fixed);
  EXPECT_EQ(f.code, 2);
  EXPECT_NE(f.err.find("--negatives"), std::string::npos) << f.err;
  auto many = detect;
  many.insert(many.end(), {"--csp-groups", "31"});
  const auto m = run_cli(many);
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("--csp-groups"), std::string::npos) << m.err;
}

// EOE asks the server (text only) for outlier names: eval scores with them and records them in
// run.json; the answers replay without a server; without an LLM it is a usage error.
TEST_F(DetectEvalCli, EoeEnvisionsOutliersThroughTheServerAndReplays) {
  test::FakeOpenAiServer server([](const nlohmann::json& body, int, httplib::Response& res) {
    const bool first = test::FakeOpenAiServer::prompt_of(body).find("Give me") == std::string::npos;
    res.set_content(test::FakeOpenAiServer::completion(first ? "- Purple Blob\n- grey cube\n- red circle\n"
                                                             : "- brown cone\n- purple blob\n"),
                    "application/json");
  });
  const std::string replay = (dir_ / "eoe.jsonl").string();
  const std::vector<std::string> eoe{"--method", "eoe", "--eoe-count", "100"};
  auto eval = with(eval_args("e", {"--mllm-url", server.url(), "--mllm-cache", "none", "--mllm-record", replay}), eoe);
  const auto r = run_cli(eval);
  ASSERT_EQ(r.code, 1) << r.err;  // the corrupt file
  EXPECT_EQ(server.requests(), 2);  // L = 100: the first request and one follow-up
  const auto run = test::read_json(dir_ / "e" / "run.json");
  EXPECT_EQ(run["setup"]["method"], "eoe");
  EXPECT_EQ(run["setup"]["eoe"]["labels"], 3);  // purple blob, grey cube, brown cone ("red circle" is an ID class)
  EXPECT_EQ(run["setup"]["eoe"]["beta"], 1.0);
  EXPECT_EQ(test::read_json(dir_ / "e" / "metrics.json")["method"], "eoe");
  const std::string first_scores = core::read_file(dir_ / "e" / "scores.csv");
  for (const auto& line : test::split_lines(core::read_file(replay)))
    EXPECT_EQ(nlohmann::json::parse(line)["kind"], "envision");

  auto replayed = with(eval_args("r", {"--mllm-replay", replay, "--mllm-cache", "none"}), eoe);
  ASSERT_EQ(run_cli(replayed).code, 1);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(core::read_file(dir_ / "r" / "scores.csv"), first_scores);

  auto alone = with(with({"detect", "--quiet"}, scoring_args()), eoe);
  alone.push_back((dir_ / "images" / "id").string());
  const auto a = run_cli(alone);
  EXPECT_EQ(a.code, 2);
  EXPECT_NE(a.err.find("--mllm-url"), std::string::npos) << a.err;
}

// A crash between two state saves leaves rows in the file that the state does not count; the
// rerun cuts them off and scores them again, so the file ends up as an uninterrupted run's.
// --max-inputs 13 with batches of 8 stops at the batch boundary 16, never inside a batch.
TEST_F(DetectEvalCli, ResumingAfterACrashNeitherLosesNorRepeatsRows) {
  test::FakeOpenAiServer server(test::scripted_mllm());
  const auto mllm = sync_mllm_args(server);
  const auto full = run_uninterrupted(mllm);
  ASSERT_EQ(full.code, 1) << full.err;

  const std::string state = (dir_ / "detect.state").string(), out = (dir_ / "rows.csv").string();
  auto part = with(with({"detect", "--quiet", "--state", state, "--out", out}, scoring_args()), mllm);
  part.push_back((dir_ / "images").string());
  auto first = part;
  first.insert(first.begin() + 1, {"--max-inputs", "13"});
  ASSERT_EQ(run_cli(first).code, 0);
  const std::string saved = core::read_file(out);
  EXPECT_EQ(test::split_lines(saved).size(), 1u + 16u);
  EXPECT_EQ(saved, full.out.substr(0, saved.size()));
  // What a process killed in the middle of the next batch leaves behind: rows past the state.
  core::write_file_atomic(out, saved + full.out.substr(saved.size(), 200) + "half a ro");
  const auto rest = run_cli(part);
  EXPECT_EQ(rest.code, 1) << rest.err;
  EXPECT_EQ(core::read_file(out), full.out);

  core::write_file_atomic(out, "shortened\n");  // a rows file that lost what the state counts
  const auto refused = run_cli(part);
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("the rows file changed"), std::string::npos) << refused.err;
}

// File names are bytes, not UTF-8: the detector snapshot inside the state file keeps the pending
// ENS candidates' names, so a stream of such files must save, resume and score like any other.
TEST_F(DetectEvalCli, StateFilesKeepFileNamesThatAreNotUtf8) {
  const fs::path odd = dir_ / "odd";
  fs::create_directories(odd);
  for (const char* sub : {"id", "ood"}) {
    for (const auto& e : fs::directory_iterator(dir_ / "images" / sub)) {
      const std::string name = e.path().filename().string();
      if (name != "corrupt.png") fs::copy_file(e.path(), odd / (std::string(sub) + "-\xff\xfe-" + name));
    }
  }
  test::FakeOpenAiServer server(test::scripted_mllm());
  const auto mllm = sync_mllm_args(server);
  auto whole = with(with({"detect", "--quiet"}, scoring_args()), mllm);
  whole.push_back(odd.string());
  const auto full = run_cli(whole);
  ASSERT_EQ(full.code, 0) << full.err;
  ASSERT_GT(server.requests(), 0);

  const std::string state = (dir_ / "odd.state").string(), out = (dir_ / "odd.csv").string();
  auto part = with(with({"detect", "--quiet", "--state", state, "--state-every", "1", "--out", out}, scoring_args()), mllm);
  part.push_back(odd.string());
  auto first = part;
  first.insert(first.begin() + 1, {"--max-inputs", "32"});
  const auto stopped = run_cli(first);
  ASSERT_EQ(stopped.code, 0) << stopped.err;
  const auto rest = run_cli(part);
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_EQ(core::read_file(out), full.out);
  EXPECT_NE(full.out.find("-\xff\xfe-"), std::string::npos);  // the rows name the files byte-exactly
}

// The sharded pipeline without a scheduler: two cache-images shards fill the cache (disjoint,
// covering), and eval --require-cached then equals a plain eval.
TEST_F(DetectEvalCli, CacheImagesShardsThenEvalRequireCachedEqualsAPlainEval) {
  const std::vector<std::string> model = {"--model", test::tiny_model_dir().string(), "--precision", "fp32",
                                          "--cache-dir", (dir_ / "cache").string(), "--quiet", "--data-root",
                                          (dir_ / "images").string()};
  const std::vector<std::string> inputs = {(dir_ / "id.txt").string(), (dir_ / "images" / "ood").string()};
  int computed = 0, failed = 0, images = 0;
  for (const char* shard : {"0/2", "1/2"}) {
    const auto r = run_cli(with(with({"cache-images", "--shard", shard}, model), inputs));
    const auto j = r.json_lines().at(0);
    EXPECT_EQ(r.code, j["failed"].get<int>() > 0 ? 1 : 0) << r.err;
    EXPECT_EQ(j["cached"], 0);
    computed += j["computed"].get<int>();
    failed += j["failed"].get<int>();
    images += j["images"].get<int>();
  }
  EXPECT_EQ(failed, 1);  // the corrupt file
  EXPECT_EQ(computed + failed, images);
  const auto again = run_cli(with(with({"cache-images", "--shard", "0/2"}, model), inputs)).json_lines().at(0);
  EXPECT_EQ(again["computed"], 0);
  EXPECT_EQ(again["cached"].get<int>() + again["failed"].get<int>(), again["images"].get<int>());
  EXPECT_EQ(run_cli(with(with({"cache-images", "--shard", "2/2"}, model), inputs)).code, 2);

  const auto eval = [&](const std::string& out, bool require) {
    auto args = with({"eval", "--quiet", "--id", (dir_ / "id.txt").string(), "--data-root", (dir_ / "images").string(),
                      "--ood", "textures=" + (dir_ / "images" / "ood").string() + ":far", "--out", out},
                     scoring_args());
    if (require) args.push_back("--require-cached");
    return run_cli(args);
  };
  const auto from_cache = eval((dir_ / "cached").string(), true);
  ASSERT_EQ(from_cache.code, 1) << from_cache.err;  // the corrupt file is skipped, as in any eval
  const auto plain = eval((dir_ / "plain").string(), false);
  EXPECT_EQ(from_cache.json_lines().at(0), plain.json_lines().at(0));
}

// The runs of one eval computed in two processes (--runs) and merged equal the plain eval.
TEST_F(DetectEvalCli, EvalRunsInPartsThenEvalMergeEqualsAPlainEval) {
  const auto eval = [&](const std::string& out, const std::string& runs) {
    auto args = with({"eval", "--quiet", "--id", (dir_ / "id.txt").string(), "--data-root", (dir_ / "images").string(),
                      "--ood", "textures=" + (dir_ / "images" / "ood").string() + ":far", "--ood",
                      "again=" + (dir_ / "images" / "ood").string() + ":near", "--seeds", "0,1", "--out", out},
                     scoring_args());
    if (!runs.empty()) args.insert(args.end(), {"--runs", runs});
    return run_cli(args);
  };
  const auto plain = eval((dir_ / "plain").string(), "");
  ASSERT_EQ(plain.code, 1) << plain.err;  // the corrupt file is skipped, as in any eval
  const std::string p0 = (dir_ / "p0").string(), p1 = (dir_ / "p1").string(), merged = (dir_ / "merged").string();
  ASSERT_EQ(eval(p0, "again:1,textures:0").code, 1);
  ASSERT_EQ(eval(p1, "textures:1,again:0").code, 1);
  const auto r = run_cli({"eval-merge", merged, p0, p1});
  ASSERT_EQ(r.code, 1) << r.err;  // as the plain eval: the corrupt file was skipped
  EXPECT_EQ(r.json_lines().at(0), plain.json_lines().at(0));
  for (const char* f : {"metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json"})
    EXPECT_EQ(core::read_file(dir_ / "merged" / f), core::read_file(dir_ / "plain" / f)) << f;
  const auto missing = run_cli({"eval-merge", (dir_ / "m2").string(), p0});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("is in none of the directories"), std::string::npos) << missing.err;
  const auto bad = eval((dir_ / "bad").string(), "places:0");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("no OOD set is named 'places'"), std::string::npos) << bad.err;
}

TEST_F(DetectEvalCli, EvalWritesConsistentFilesAndTheSecondRunReusesEmbeddings) {
  test::FakeOpenAiServer server(test::scripted_mllm());
  const std::string out = (dir_ / "eval").string();
  auto args = with(with({"eval", "--quiet", "--id", (dir_ / "id.txt").string(), "--data-root", (dir_ / "images").string(),
                         "--ood", "textures=" + (dir_ / "images" / "ood").string() + ":far", "--ood",
                         "again=" + (dir_ / "images" / "ood").string() + ":near", "--seeds", "0,1", "--out", out},
                        scoring_args()),
                   {"--mllm-url", server.url(), "--mllm-cache", "none"});
  const auto r = run_cli(args);
  ASSERT_EQ(r.code, 1) << r.err;  // the corrupt file is skipped and reported
  for (const char* f : {"metrics.json", "metrics.csv", "scores.csv", "trace.csv", "negatives.json", "run.json"})
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  const auto metrics = test::read_json(fs::path(out) / "metrics.json");
  EXPECT_EQ(r.json_lines().at(0), metrics);
  // metrics.json equals the metrics recomputed from scores.csv, per set and seed.
  std::map<std::pair<std::string, int>, std::pair<std::vector<double>, std::vector<double>>> scores;
  const auto rows = test::split_lines(core::read_file(fs::path(out) / "scores.csv"));
  ASSERT_EQ(rows.size(), 1u + 2 * 2 * 48);
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto f = csv_split(rows[i]);
    auto& [id, ood] = scores[{f[0], std::stoi(f[1])}];
    (std::stoi(f[3]) == -1 ? ood : id).push_back(std::stod(f[5]));
  }
  size_t checked = 0;
  for (const auto& set : metrics["sets"]) {
    for (const auto& s : set["per_seed"]) {
      const auto& [id, ood] = scores.at({set["name"].get<std::string>(), s["seed"].get<int>()});
      const OodMetrics m = ood_metrics(id, ood);
      EXPECT_NEAR(s["auroc"].get<double>(), 100 * m.auroc, 1e-4);
      EXPECT_NEAR(s["fpr95"].get<double>(), 100 * m.fpr95, 1e-4);
      EXPECT_NEAR(s["aupr_in"].get<double>(), 100 * m.aupr_in, 1e-4);
      ++checked;
    }
    EXPECT_EQ(set["n_ood"].get<int>(), 24);
    EXPECT_TRUE(set.contains("std"));
    EXPECT_FALSE(set["mean"]["acc"].is_null());
  }
  EXPECT_EQ(checked, 4u);
  EXPECT_EQ(metrics["splits"].size(), 2u);
  const auto run = test::read_json(fs::path(out) / "run.json");
  EXPECT_EQ(run["skipped"].size(), 1u);
  EXPECT_GT(run["mllm"]["requests"].get<int>(), 0);
  const auto negatives = test::read_json(fs::path(out) / "negatives.json");
  EXPECT_FALSE(negatives[0]["far"].empty());
  EXPECT_FALSE(negatives[0]["near"].empty());

  const auto again = run_cli(args);
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(test::read_json(fs::path(out) / "run.json")["embedding_cache_hits"].get<int>(), 48);
  const auto setup = test::read_json(fs::path(out) / "run.json")["setup"];  // model hash and every option
  EXPECT_EQ(setup["model"].get<std::string>().size(), 32u);
  EXPECT_EQ(setup["detector"]["min_candidates"], 4);
  EXPECT_EQ(test::read_json(fs::path(out) / "metrics.json"), metrics);
}

TEST_F(DetectEvalCli, CalibrateKeepsTheRequestedShareOfIdImages) {
  auto args = with({"calibrate", "--quiet", "--method", "mcm", "--tpr", "0.75"}, scoring_args());
  args.push_back((dir_ / "images" / "id").string());
  const auto r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = r.json_lines().at(0);
  EXPECT_EQ(j["n"].get<int>(), 24);
  EXPECT_GE(j["kept"].get<int>(), 18);
  EXPECT_GE(j["kept_share"].get<double>(), 0.75);
}

TEST_F(DetectEvalCli, UsageErrorsExitWithTwo) {
  auto r = run_cli(with({"eval", "--id", (dir_ / "id.txt").string(), "--ood", "nameonly", "--out", (dir_ / "o").string()},
                        scoring_args()));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("NAME=LIST"), std::string::npos) << r.err;
  r = run_cli(with({"detect", "--method", "odin", (dir_ / "images").string()}, scoring_args()));
  EXPECT_EQ(r.code, 2);
}

// The presets are the authors' scripts (method.md §7); an option given by the user still wins.
TEST_F(DetectEvalCli, PresetsSetTheConstantsOfTheAuthorsScripts) {
  auto base = scoring_args();  // without the fixture's --near-start, which would win over the preset
  base.erase(std::find(base.begin(), base.end(), "--near-start"), std::find(base.begin(), base.end(), "--near-start") + 2);
  const auto detector_of = [&](const std::vector<std::string>& extra) {
    auto args = with({"eval", "--quiet", "--id", (dir_ / "images" / "id").string(), "--ood",
                      "t=" + (dir_ / "images" / "ood").string(), "--out", (dir_ / "o").string()},
                     with(base, extra));
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 1) << r.err;  // the corrupt file
    return test::read_json(dir_ / "o" / "run.json")["setup"]["detector"];
  };
  auto d = detector_of({"--preset", "paper-far"});
  EXPECT_EQ(d["mode"], "far_only");
  EXPECT_EQ(d["activation_aware"], true);
  EXPECT_EQ(d["activation_count"], 500);
  EXPECT_EQ(d["ens_stop_step"], 10);
  d = detector_of({"--preset", "paper-far", "--activation-count", "300", "--no-permute"});
  EXPECT_EQ(d["activation_count"], 300);
  EXPECT_EQ(d["permute"], false);
  d = detector_of({"--preset", "paper-near"});
  EXPECT_EQ(d["mode"], "near_only");
  EXPECT_EQ(d["near_start_batch"], 1);
  EXPECT_EQ(detector_of({"--preset", "paper-near", "--near-start", "3"})["near_start_batch"], 3);
  EXPECT_EQ(d["ens_stop_step"], 0);
  EXPECT_EQ(d["activation_aware"], false);
  EXPECT_EQ(d["permute"], true);
}

// The paper's ablation options (issue 16) reach the detector and run.json names them; the setup of
// a default run keeps its earlier keys only.
TEST_F(DetectEvalCli, AblationOptionsAreRecordedAndBadOnesExitWithTwo) {
  const auto mllm_args = [](const test::FakeOpenAiServer& server) {
    return std::vector<std::string>{"--mllm-url", server.url(), "--mllm-cache", "none"};
  };
  const auto run_eval = [&](const std::vector<std::string>& extra) {
    return run_cli(with({"eval", "--quiet", "--id", (dir_ / "images" / "id").string(), "--ood",
                         "t=" + (dir_ / "images" / "ood").string(), "--out", (dir_ / "o").string()},
                        with(scoring_args(), extra)));
  };
  test::FakeOpenAiServer server(test::scripted_mllm());
  ASSERT_EQ(run_eval(mllm_args(server)).code, 1);  // the corrupt file
  EXPECT_FALSE(test::read_json(dir_ / "o" / "run.json").contains("prompts"));
  auto d = test::read_json(dir_ / "o" / "run.json")["setup"]["detector"];
  EXPECT_EQ(d["lambda_rule"], "head");
  for (const char* key : {"near_select", "ens_id_noise", "caption_only"}) EXPECT_FALSE(d.contains(key)) << key;
  auto args = mllm_args(server);
  for (const char* a : {"--threshold-rule", "fixed", "--lambda-rule", "fixed:0.3", "--near-select", "ratio:0.5",
                        "--ens-id-noise", "0.1", "--mllm-caption-only", "--prompt-ens", "short"})
    args.push_back(a);
  const auto r = run_eval(args);
  ASSERT_EQ(r.code, 1) << r.err;
  const auto run = test::read_json(dir_ / "o" / "run.json");
  EXPECT_EQ(run["prompts"]["ens"], "short");
  EXPECT_EQ(run["prompts"]["vsnl"], "default");
  d = run["setup"]["detector"];
  EXPECT_EQ(d["threshold_rule"], "fixed");
  EXPECT_EQ(d["lambda_rule"], "fixed:0.3");
  EXPECT_EQ(d["near_select"], "ratio:0.5");
  EXPECT_EQ(d["ens_id_noise"], 0.1);  // the decimal as typed
  EXPECT_EQ(d["caption_only"], true);
  EXPECT_FALSE(run.contains("reference"));  // written only when on
  // --reference: fp32 and the reference's MLLM parsing (markdown kept as the model wrote it);
  // a contradicting choice is a usage error.
  test::FakeOpenAiServer bold([](const nlohmann::json&, int, httplib::Response& res) {
    res.set_content(test::FakeOpenAiServer::completion("1. **purple blob**"), "application/json");
  });
  ASSERT_EQ(run_eval(mllm_args(bold)).code, 1);
  EXPECT_EQ(core::read_file(dir_ / "o" / "negatives.json").find("**purple blob**"), std::string::npos);
  auto reference = mllm_args(bold);
  reference.push_back("--reference");
  ASSERT_EQ(run_eval(reference).code, 1);
  const auto ref_run = test::read_json(dir_ / "o" / "run.json");
  EXPECT_EQ(ref_run["reference"], true);
  EXPECT_EQ(ref_run["precision"], "fp32");
  EXPECT_NE(core::read_file(dir_ / "o" / "negatives.json").find("**purple blob**"), std::string::npos);
  EXPECT_NE(core::read_file(dir_ / "o" / "report.html").find("--reference: the paper"), std::string::npos);
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--near-top", "5", "--near-select", "all"},
                                                              {"--reference", "--mllm-parse", "lenient"},
                                                              {"--reference", "--precision", "bf16"},
                                                              {"--lambda-rule", "fixed:2"},
                                                              {"--near-select", "ratio:0"},
                                                              {"--ens-id-noise", "1.5"}}) {
    const auto refused = run_eval(bad);
    EXPECT_EQ(refused.code, 2) << bad[0] << " " << bad[1];
    EXPECT_NE(refused.err.find(bad[bad.size() - 2]), std::string::npos) << refused.err;
  }
}

// ants ablate --table: every row of the table is an eval under variants/, the paper's settings
// (--reference) unless --no-reference; exactly one of --grid and --table.
TEST_F(DetectEvalCli, AblateRunsEveryRowOfATable) {
  test::FakeOpenAiServer server(test::scripted_mllm());
  const auto ablate = [&](const std::vector<std::string>& extra) {
    auto args = with({"ablate", "--quiet", "--id", (dir_ / "images" / "id").string(), "--ood",
                      "t=" + (dir_ / "images" / "ood").string() + ":far", "--out", (dir_ / "grid").string(),
                      "--mllm-url", server.url(), "--mllm-cache", "none"},
                     scoring_args());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  const auto r = ablate({"--table", "paper-9"});
  ASSERT_EQ(r.code, 1) << r.err;  // the corrupt file, skipped in every variant
  const auto grid = test::read_json(dir_ / "grid" / "grid.json");
  EXPECT_EQ(grid["table"], "paper-9");
  EXPECT_EQ(grid["reference"], true);
  ASSERT_EQ(grid["variants"].size(), 3u);
  EXPECT_EQ(grid["variants"][2]["name"], "exponential");
  const auto run = test::read_json(dir_ / "grid" / "variants" / "exponential" / "run.json");
  EXPECT_EQ(run["setup"]["detector"]["lambda_rule"], "exp");
  EXPECT_EQ(run["reference"], true);
  EXPECT_EQ(r.json_lines().at(0)["variants"].size(), 3u);  // stdout: grid.json as one line
  EXPECT_TRUE(fs::exists(dir_ / "grid" / "report.html"));
  EXPECT_EQ(ablate({"--table", "paper-9", "--no-reference"}).code, 1);
  EXPECT_EQ(test::read_json(dir_ / "grid" / "grid.json")["reference"], false);
  EXPECT_EQ(ablate({}).code, 2);
  core::write_file_atomic(dir_ / "g.json", R"({"variants": [{"name": "a"}]})");
  EXPECT_EQ(ablate({"--table", "paper-3", "--grid", (dir_ / "g.json").string()}).code, 2);
  const auto bad = ablate({"--grid", (dir_ / "missing.json").string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("missing.json"), std::string::npos) << bad.err;
}

// Settings that cannot work stop the run before any image with exit 2 and say why; a missing
// input image is one failed input (a row and exit 1), never the end of the run.
TEST_F(DetectEvalCli, ConfigurationErrorsExitWithTwoAndMissingImagesAreOneFailedRow) {
  const std::string image = id_[0].file;
  const auto expect_config_error = [](const test::CliRun& r, const std::string& why) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  };
  auto args = scoring_args();
  args[std::find(args.begin(), args.end(), "--classes") - args.begin() + 1] = "imagenett";
  expect_config_error(run_cli(with({"detect", "--quiet"}, with(args, {image}))), "built-in list (imagenet");
  args = scoring_args();
  args[1] = (dir_ / "no-model").string();
  expect_config_error(run_cli(with({"detect", "--quiet"}, with(args, {image}))), "no-model");
  expect_config_error(run_cli(with({"eval", "--quiet", "--id", (dir_ / "id.txt").string(), "--data-root",
                                    (dir_ / "images").string(), "--ood", "x=" + image, "--out", (dir_ / "o").string()},
                                   scoring_args())),
                      "an image, not an image list");
  expect_config_error(run_cli(with({"eval", "--quiet", "--id", (dir_ / "missing.txt").string(), "--ood",
                                    "x=" + (dir_ / "images" / "ood").string(), "--out", (dir_ / "o").string()},
                                   scoring_args())),
                      "missing.txt");
  expect_config_error(run_cli(with({"eval", "--quiet", "--require-cached", "--id", (dir_ / "id.txt").string(), "--data-root",
                                    (dir_ / "images").string(), "--ood", "x=" + (dir_ / "images" / "ood").string(),
                                    "--out", (dir_ / "o").string()},
                                   scoring_args())),
                      "images are not in the embedding cache (e.g. ");

  const std::string missing = (dir_ / "missing.jpg").string();
  const auto r = run_cli(with({"detect", "--method", "mcm"}, with(scoring_args(), {image, missing})));
  EXPECT_EQ(r.code, 1) << r.err;
  const auto rows = test::split_lines(r.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(csv_split(rows[1])[6].empty());
  EXPECT_NE(csv_split(rows[2])[6].find("missing.jpg"), std::string::npos) << rows[2];

  fs::create_directories(dir_ / "empty");
  const auto none = run_cli(with({"detect", "--method", "mcm"}, with(scoring_args(), {(dir_ / "empty").string()})));
  EXPECT_EQ(none.code, 0);
  EXPECT_NE(none.err.find("no image files in the inputs"), std::string::npos) << none.err;
}

TEST(DemoCli, RunsEvalOnBuiltInDataWithReplayedAnswers) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path out = test::temp_dir() / "demo";
  const auto r = run_cli({"demo", "--quiet", "--out", out.string(), "--images", "40"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto run = test::read_json(out / "eval" / "run.json");
  EXPECT_GT(run["mllm"]["replay_hits"].get<int>(), 0);
  EXPECT_EQ(run["images"].get<int>(), 80);
  EXPECT_TRUE(fs::exists(out / "eval" / "metrics.csv"));
}

// On a terminal the demo (an eval) ends with a table for people; stdout stays one JSON line.
TEST(DemoCli, EndsWithAMetricsTableOnATerminal) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  if (std::system("command -v script > /dev/null 2>&1") != 0) GTEST_SKIP() << "no `script` to make a terminal";
  const fs::path dir = test::temp_dir();
  // `script` runs the command on a pseudo-terminal: first with stderr redirected to a file (no
  // terminal: no table), then with stderr on the terminal, whose session `script` records.
  const std::string cmd = "script -qec '" + test::cli_path() + " demo --images 8 --out " + (dir / "demo").string() +
                          " 2>" + (dir / "err.txt").string() + " >" + (dir / "out.txt").string() + "' /dev/null";
  const std::string tty = "script -qec '" + test::cli_path() + " demo --images 8 --out " + (dir / "demo2").string() +
                          " >" + (dir / "out2.txt").string() + "' " + (dir / "session.txt").string() + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_EQ(std::system(tty.c_str()), 0);
  const std::string piped = core::read_file(dir / "err.txt"), session = core::read_file(dir / "session.txt");
  EXPECT_EQ(piped.find("AUROC %"), std::string::npos) << "no table when stderr is not a terminal";
  EXPECT_NE(session.find("AUROC %"), std::string::npos) << session;
  EXPECT_NE(session.find("textures"), std::string::npos);
  EXPECT_NE(session.find("report.html"), std::string::npos);
  const auto lines = test::split_lines(core::read_file(dir / "out2.txt"));
  ASSERT_EQ(lines.size(), 1u);  // stdout: the metrics.json object only
  EXPECT_EQ(nlohmann::json::parse(lines[0])["method"], "ants");
}

}  // namespace
}  // namespace ants
