// The client's text-only request kind (Mllm::complete): no system message, no image, the raw
// answer, its own kind in the cache and in record/replay.
#include <ants/mllm-client.h>
#include <gtest/gtest.h>

#include <fstream>

#include "fake-openai-server.h"
#include "test-paths.h"

namespace ants {
namespace {

using nlohmann::json;
using test::FakeOpenAiServer;

MllmOptions text_options(const std::string& url, const std::filesystem::path& dir) {
  MllmOptions o;
  o.url = url;
  o.model = "fake-llm";
  o.timeout_s = 5;
  o.retries = 0;
  o.cache_path = dir / "answers.sqlite";
  return o;
}

TEST(MllmText, AsksThePromptAloneAndReturnsTheRawAnswer) {
  const auto dir = test::temp_dir();
  FakeOpenAiServer server(FakeOpenAiServer::answer_with("1. chair\n2. lamp"));
  auto client = make_mllm_client(text_options(server.url(), dir));
  const auto out = client->complete({"Name 2 things that are not cats."});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value(), "1. chair\n2. lamp");
  const json body = server.bodies().at(0);
  ASSERT_EQ(body["messages"].size(), 1u);  // no system message
  EXPECT_EQ(body["messages"][0]["role"], "user");
  ASSERT_EQ(body["messages"][0]["content"].size(), 1u);  // no image
  EXPECT_EQ(body["messages"][0]["content"][0]["text"], "Name 2 things that are not cats.");
  EXPECT_EQ(body["max_tokens"], 1024);
  // Cached under its own kind: asked again, no request.
  EXPECT_EQ(client->complete({"Name 2 things that are not cats."}).at(0).value(), "1. chair\n2. lamp");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(client->stats().cache_hits, 1);
}

TEST(MllmText, RecordedAnswersReplayWithoutAServer) {
  const auto dir = test::temp_dir();
  {
    FakeOpenAiServer server(FakeOpenAiServer::answer_with("desk, shelf"));
    MllmOptions o = text_options(server.url(), dir);
    o.cache = false;
    o.record_path = dir / "calls.jsonl";
    EXPECT_EQ(make_mllm_client(o)->complete({"p1", "p2"}), (std::vector<std::optional<std::string>>{"desk, shelf", "desk, shelf"}));
  }
  std::ifstream in(dir / "calls.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(json::parse(line)["kind"], "envision");
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  MllmOptions r;
  r.replay_path = dir / "calls.jsonl";
  r.model = "fake-llm";
  r.cache = false;
  auto replay = make_mllm_client(r);
  const auto out = replay->complete({"p2", "p3"});
  EXPECT_EQ(out.at(0).value(), "desk, shelf");
  EXPECT_FALSE(out.at(1).has_value());  // never recorded: no answer, no exception
  EXPECT_EQ(replay->stats().requests, 0);
}

TEST(MllmText, ADeadServerIsNoAnswerNotAnError) {
  const auto dir = test::temp_dir();
  MllmOptions o = text_options("http://127.0.0.1:9", dir);
  o.timeout_s = 1;
  auto client = make_mllm_client(o);
  std::vector<std::optional<std::string>> out;
  EXPECT_NO_THROW(out = client->complete({"anything"}));
  EXPECT_FALSE(out.at(0).has_value());
  EXPECT_EQ(client->stats().failures, 1);
}

}  // namespace
}  // namespace ants
