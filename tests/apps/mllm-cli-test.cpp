// ants describe / similar / mllm-check against the scripted server.
#include <ants/image.h>
#include <gtest/gtest.h>

#include <fstream>

#include "cli-runner.h"
#include "fake-openai-server.h"
#include "test-paths.h"

namespace ants {
namespace {

using test::FakeOpenAiServer;
using test::run_cli;

std::string write_jpeg(const std::string& name) {
  ImageRGB8 img{32, 24, std::vector<uint8_t>(32 * 24 * 3, 90)};
  const auto bytes = encode_jpeg(img);
  const auto path = test::temp_dir() / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

TEST(MllmCli, DescribeWritesOneJsonLinePerImage) {
  FakeOpenAiServer server;
  const std::string img = write_jpeg("a.jpg");
  const auto r = run_cli({"describe", "--mllm-url", server.url(), "--mllm-model", "m", "--class", "goldfish", img,
                          (test::temp_dir() / "missing.jpg").string()});
  EXPECT_EQ(r.code, 1) << r.err;  // one image failed
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["file"], img);
  EXPECT_EQ(lines[0]["description"], "a small red boat");
  EXPECT_NE(lines[1]["error"].get<std::string>().find("missing.jpg"), std::string::npos);
  EXPECT_NE(FakeOpenAiServer::prompt_of(server.bodies().at(0)).find("goldfish"), std::string::npos);
  EXPECT_NE(r.err.find("ants: mllm: 2 calls, 1 requests"), std::string::npos) << r.err;
  // The answer cache (under ANTS_CACHE_DIR) answers the rerun.
  const auto again = run_cli({"describe", "--mllm-url", server.url(), "--mllm-model", "m", "--class", "goldfish", img});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(server.requests(), 1);
}

TEST(MllmCli, SimilarRecordsAndReplays) {
  FakeOpenAiServer server(FakeOpenAiServer::answer_with("1. Lynx\n2. Bobcat"));
  const std::string rec = (test::temp_dir() / "rec.jsonl").string();
  const auto r = run_cli({"similar", "--mllm-url", server.url(), "--mllm-cache", "none", "--mllm-record", rec,
                          "--mllm-header", "X-Test: yes", "cat", "dog"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["class"], "dog");
  EXPECT_EQ(lines[1]["similar"], nlohmann::json::array({"Lynx", "Bobcat"}));
  EXPECT_EQ(server.extra_headers().at(1), "yes");
  const auto replay = run_cli({"similar", "--mllm-replay", rec, "--mllm-cache", "none", "dog", "cow"});
  EXPECT_EQ(replay.code, 1);
  const auto rl = replay.json_lines();
  ASSERT_EQ(rl.size(), 2u);
  EXPECT_EQ(rl[0]["similar"], nlohmann::json::array({"Lynx", "Bobcat"}));
  EXPECT_TRUE(rl[1].contains("error"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(MllmCli, UsageErrors) {
  EXPECT_EQ(run_cli({"similar", "cat"}).code, 2);
  EXPECT_EQ(run_cli({"similar", "--mllm-url", "ftp://x", "cat"}).code, 2);
  EXPECT_EQ(run_cli({"similar", "--mllm-url", "http://127.0.0.1:1", "--mllm-header", "novalue", "cat"}).code, 2);
  EXPECT_EQ(run_cli({"describe", "--mllm-url", "http://127.0.0.1:1", "--mllm-parse", "loose", "a.jpg"}).code, 2);
}

TEST(MllmCli, CheckGivesAVerdict) {
  FakeOpenAiServer server;
  const auto ok = run_cli({"mllm-check", "--mllm-url", server.url()});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("models: 1 offered: fake-vlm"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("verdict: OK"), std::string::npos) << ok.out;
  EXPECT_EQ(server.bodies().at(0)["model"], "fake-vlm");
  std::string dead;
  {
    FakeOpenAiServer gone;
    dead = gone.url();
  }
  const auto bad = run_cli({"mllm-check", "--mllm-url", dead, "--mllm-timeout", "1"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("verdict: FAIL"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace ants
