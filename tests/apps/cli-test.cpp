// The CLI contracts users' scripts rely on: JSON lines on stdout, one-line errors on stderr,
// exit 0 / 1 (some input failed) / 2 (usage).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file-util.h"
#include "cli-runner.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using test::run_cli;
using RunResult = test::CliRun;

std::string model() { return test::tiny_model_dir().string(); }

TEST(Cli, TokenizePrintsOneArrayPerText) {
  const json e = test::tiny_expected();
  RunResult r = run_cli({"tokenize", "--model", model(), e["texts"][2]["text"], e["texts"][5]["text"]});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], e["texts"][2]["ids"]);
  EXPECT_EQ(lines[1], e["texts"][5]["ids"]);
}

TEST(Cli, EmbedTextMatchesReference) {
  const json e = test::tiny_expected();
  std::vector<std::string> args = {"embed-text", "--model", model(), "--precision", "fp32"};
  for (const auto& t : e["texts"]) args.push_back(t["text"]);
  RunResult r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), e["texts"].size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["text"], e["texts"][i]["text"]);
    auto got = lines[i]["embedding"].get<std::vector<float>>();
    EXPECT_NEAR(test::norm(got), 1.0, 1e-5);
    EXPECT_GE(test::cosine(got, e["texts"][i]["embedding"].get<std::vector<float>>()), 0.99999) << lines[i]["text"];
  }
}

TEST(Cli, EmbedImageKeepsGoodFilesWhenOneFails) {
  const json e = test::tiny_expected();
  const fs::path bad = test::temp_dir() / "broken.png";
  core::write_file_atomic(bad, "\x89PNG\r\n\x1a\n garbage");
  const std::string good = (test::shared_dir() / "testdata/clip-tiny" / e["images"][0]["file"].get<std::string>()).string();
  RunResult r = run_cli({"embed-image", "--model", model(), "--precision", "fp32", "--batch", "2", good, bad.string(), good});
  EXPECT_EQ(r.code, 1);
  auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["file"], good);
  EXPECT_GE(test::cosine(lines[0]["embedding"].get<std::vector<float>>(), e["images"][0]["embedding"].get<std::vector<float>>()),
            e["tolerance"]["png_cosine_min"].get<double>());
  EXPECT_EQ(lines[1]["file"], bad.string());
  EXPECT_NE(lines[1]["error"].get<std::string>().find(bad.string()), std::string::npos);
  EXPECT_FALSE(lines[1].contains("embedding"));
  EXPECT_EQ(lines[2]["embedding"], lines[0]["embedding"]);
  EXPECT_NE(r.err.find(bad.string()), std::string::npos);
}

// --max-pixels: the same option in every image command; a larger image is one error row.
TEST(Cli, MaxPixelsMakesLargerImagesErrorRows) {
  const json e = test::tiny_expected();
  const std::string good = (test::shared_dir() / "testdata/clip-tiny" / e["images"][0]["file"].get<std::string>()).string();
  RunResult r = run_cli({"embed-image", "--model", model(), "--max-pixels", "100", good});
  EXPECT_EQ(r.code, 1);
  ASSERT_EQ(r.json_lines().size(), 1u);
  EXPECT_NE(r.json_lines()[0]["error"].get<std::string>().find("limit 100"), std::string::npos);
  EXPECT_EQ(run_cli({"embed-image", "--model", model(), "--max-pixels", "0", good}).code, 2);
}

TEST(Cli, InfoDescribesModel) {
  RunResult r = run_cli({"info", "--model", model()});
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["layout"], "hf");
  EXPECT_EQ(j["embed_dim"], 24);
  EXPECT_EQ(j["vision"]["layers"], 2);
  EXPECT_GT(j["parameters"].get<int64_t>(), 1000000);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli({"embed-text", "hello"}).code, 2);                                   // no --model
  EXPECT_EQ(run_cli({"embed-text", "--model", model(), "--bogus", "x"}).code, 2);         // unknown flag
  EXPECT_EQ(run_cli({"embed-text", "--model", model(), "--precision", "fp8", "x"}).code, 2);
  EXPECT_EQ(run_cli({"no-such-command"}).code, 2);
}

TEST(Cli, MissingModelIsOneLineError) {
  RunResult r = run_cli({"embed-text", "--model", "/nonexistent/model", "hello"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, RandomModelRoundTrip) {
  const fs::path dir = test::temp_dir() / "oc";
  RunResult r = run_cli({"make-random-model", "--arch", "tiny", "--layout", "open_clip", "--dtype", "f16", "--out", dir.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  RunResult info = run_cli({"info", "--model", dir.string()});
  ASSERT_EQ(info.code, 0) << info.err;
  json j = json::parse(info.out);
  EXPECT_EQ(j["layout"], "open_clip");
  EXPECT_EQ(j["weights_dtype"], "F16");
}

TEST(Cli, ResNetModelEmbedsImages) {
  const fs::path dir = test::temp_dir() / "rn";
  RunResult r = run_cli({"make-random-model", "--arch", "rn-tiny", "--out", dir.string()});  // open_clip by default
  ASSERT_EQ(r.code, 0) << r.err;
  RunResult info = run_cli({"info", "--model", dir.string()});
  ASSERT_EQ(info.code, 0) << info.err;
  json j = json::parse(info.out);
  EXPECT_EQ(j["vision_arch"], "modified_resnet");
  EXPECT_EQ(j["vision"]["stages"], json({2, 1, 1, 1}));
  const std::string image = (test::shared_dir() / "testdata/clip-tiny/images/gradient.png").string();
  RunResult e = run_cli({"embed-image", "--model", dir.string(), image, image});
  ASSERT_EQ(e.code, 0) << e.err;
  const auto rows = test::split_lines(e.out);
  ASSERT_EQ(rows.size(), 2u);
  const auto first = json::parse(rows[0])["embedding"].get<std::vector<float>>();
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first, json::parse(rows[1])["embedding"].get<std::vector<float>>());
  RunResult hf = run_cli({"make-random-model", "--arch", "rn-tiny", "--layout", "hf", "--out", (dir / "hf").string()});
  EXPECT_NE(hf.code, 0);
  EXPECT_NE(hf.err.find("open_clip"), std::string::npos) << hf.err;
}

}  // namespace
}  // namespace ants
