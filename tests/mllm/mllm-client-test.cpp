// The MLLM client against a scripted OpenAI-compatible server on 127.0.0.1: request bodies,
// retries, timeouts, broken answers, the cache, record/replay, the circuit breaker, async answers.
#include <ants/error.h>
#include <ants/image.h>
#include <ants/mllm-client.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "base64.h"
#include "fake-openai-server.h"
#include "test-paths.h"

namespace ants {
namespace {

using test::FakeOpenAiServer;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

MllmOptions quick(const std::string& url) {
  MllmOptions o;
  o.url = url;
  o.model = "m1";
  o.timeout_s = 30;  // never reached on 127.0.0.1, even on a loaded machine; tests of timeouts set their own
  o.retries = 0;
  o.parallel = 2;
  o.backoff_s = 0.01;
  o.cache = false;
  return o;
}

std::filesystem::path write_image(const std::filesystem::path& dir, const std::string& name, int w, int h, int seed = 0) {
  ImageRGB8 img{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = static_cast<uint8_t>((i * 7 + static_cast<size_t>(seed) * 31) % 251);
  const auto bytes = encode_jpeg(img, 90);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The image of a request body, decoded.
ImageRGB8 uploaded_image(const json& body) {
  for (const auto& part : body["messages"][1]["content"]) {
    if (part["type"] != "image_url") continue;
    const std::string url = part["image_url"]["url"];
    const std::string prefix = "data:image/jpeg;base64,";
    EXPECT_EQ(url.substr(0, prefix.size()), prefix);
    const std::string jpeg = server::base64_decode(url.substr(prefix.size())).value();
    return decode_image_memory({reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size()}, "upload");
  }
  ADD_FAILURE() << "no image in the request";
  return {};
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

TEST(MllmClient, DescribeRequestBody) {
  FakeOpenAiServer server;
  const auto dir = test::temp_dir();
  MllmOptions o = quick(server.url() + "/v1/");
  o.seed = 7;
  o.api_key = "secret-key";
  o.headers = {{"X-Test", "yes"}};
  auto client = make_mllm_client(o);
  const auto replies = client->describe_detailed({write_image(dir, "wide.jpg", 640, 320)}, {"tabby cat"});
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].text.value_or("<none>"), "a small red boat") << replies[0].error;
  const json body = server.bodies().at(0);
  EXPECT_EQ(body["model"], "m1");
  EXPECT_EQ(body["max_tokens"], 30);
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"].get<std::string>() + "\n", builtin_prompt("system"));
  const std::string prompt = FakeOpenAiServer::prompt_of(body);
  EXPECT_NE(prompt.find("fewer than eight words"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("\"tabby cat\""), std::string::npos) << prompt;
  const ImageRGB8 img = uploaded_image(body);
  EXPECT_EQ(img.width, 448);
  EXPECT_EQ(img.height, 224);
  EXPECT_EQ(server.auth_headers().at(0), "Bearer secret-key");
  EXPECT_EQ(server.extra_headers().at(0), "yes");
}

TEST(MllmClient, ImageSizeAndNoClass) {
  FakeOpenAiServer server;
  MllmOptions o = quick(server.url());
  o.image_size = 56;  // the reference's Qwen setting
  auto client = make_mllm_client(o);
  const auto dir = test::temp_dir();
  client->describe_detailed({write_image(dir, "tall.jpg", 300, 600), write_image(dir, "small.jpg", 40, 30)}, {});
  ASSERT_EQ(server.bodies().size(), 2u);
  for (const auto& body : server.bodies()) {
    const ImageRGB8 img = uploaded_image(body);
    const bool tall = img.height > img.width;
    EXPECT_EQ(img.width, tall ? 28 : 40);  // never enlarged
    EXPECT_EQ(img.height, tall ? 56 : 30);
    EXPECT_EQ(FakeOpenAiServer::prompt_of(body).find("{class}"), std::string::npos);
    EXPECT_EQ(FakeOpenAiServer::prompt_of(body).find("mention"), std::string::npos);  // the class line is left out
  }
}

TEST(MllmClient, SimilarRequestAndParsers) {
  FakeOpenAiServer server(FakeOpenAiServer::answer_with("Sure! Here:\n1. **Lynx**\n2. tabby cat\n3. Bobcat - wild"));
  auto client = make_mllm_client(quick(server.url()));
  const auto labels = client->similar({"tabby cat"});
  ASSERT_TRUE(labels.at(0));
  EXPECT_EQ(*labels[0], (std::vector<std::string>{"Lynx", "Bobcat"}));
  const json body = server.bodies().at(0);
  EXPECT_EQ(body["max_tokens"], 100);
  const std::string prompt = FakeOpenAiServer::prompt_of(body);
  EXPECT_NE(prompt.find("\"tabby cat\""), std::string::npos);
  EXPECT_NE(prompt.find("numbered"), std::string::npos);
  const ImageRGB8 img = uploaded_image(body);
  EXPECT_EQ(img.width, 28);
  EXPECT_EQ(img.height, 28);
  EXPECT_EQ(img.data[0], 0);

  MllmOptions o = quick(server.url());
  o.parse = MllmParse::reference;
  const auto ref = make_mllm_client(o)->similar({"tabby cat"});
  EXPECT_EQ(ref.at(0).value(), (std::vector<std::string>{"**Lynx**", "tabby cat", "Bobcat - wild"}));
}

// Fig. 7e's prompt ablation: the built-in variants by name reach the server, and "./NAME" is a file.
TEST(MllmClient, NamedPromptVariantsAreSentAndAFilePathStillWorks) {
  FakeOpenAiServer server(FakeOpenAiServer::answer_with("1. Lynx\n2. Bobcat"));
  const auto dir = test::temp_dir();
  MllmOptions o = quick(server.url());
  o.prompt_ens = "short";
  o.prompt_vsnl = "dissimilar";
  auto client = make_mllm_client(o);
  EXPECT_EQ(client->prompt_origin("ens"), "short");
  EXPECT_EQ(client->prompt_origin("vsnl"), "dissimilar");
  client->describe_detailed({write_image(dir, "a.jpg", 16, 16)}, {"tabby cat"});
  client->similar({"tabby cat"});
  const std::string ens = FakeOpenAiServer::prompt_of(server.bodies().at(0));
  const std::string vsnl = FakeOpenAiServer::prompt_of(server.bodies().at(1));
  EXPECT_NE(ens.find("fewer than three words"), std::string::npos) << ens;
  EXPECT_NE(ens.find("\"tabby cat\""), std::string::npos) << ens;
  EXPECT_NE(vsnl.find("unlike \"tabby cat\""), std::string::npos) << vsnl;

  o.prompt_ens = "default";
  make_mllm_client(o)->describe_detailed({write_image(dir, "a.jpg", 16, 16)}, {"tabby cat"});
  EXPECT_NE(FakeOpenAiServer::prompt_of(server.bodies().at(2)).find("fewer than eight words"), std::string::npos);

  std::ofstream(dir / "short") << "Name it in one word, not {class}.";
  o.prompt_ens = dir / "short";
  auto from_file = make_mllm_client(o);
  EXPECT_TRUE(from_file->prompt_origin("ens").starts_with("file " + (dir / "short").string() + " "));
  EXPECT_EQ(from_file->prompt_origin("ens").size(), ("file " + (dir / "short").string() + " ").size() + 12);
  from_file->describe_detailed({write_image(dir, "a.jpg", 16, 16)}, {"tabby cat"});
  EXPECT_EQ(FakeOpenAiServer::prompt_of(server.bodies().at(3)), "Name it in one word, not tabby cat.");
  o.prompt_ens = "dissimilar";  // a VSNL variant is not an ENS one: read as a file, which is missing
  EXPECT_THROW(make_mllm_client(o), Error);
}

TEST(MllmClient, RetriesOn500And429) {
  FakeOpenAiServer server([](const json&, int n, httplib::Response& res) {
    if (n == 0) res.status = 500;
    else if (n == 1) res.status = 429, res.set_header("Retry-After", "0");
    else res.set_content(FakeOpenAiServer::completion("1. Lynx"), "application/json");
  });
  MllmOptions o = quick(server.url());
  o.retries = 3;
  auto client = make_mllm_client(o);
  const auto replies = client->similar_detailed({"cat"});
  EXPECT_EQ(replies.at(0).labels.value_or(std::vector<std::string>{}), std::vector<std::string>{"Lynx"}) << replies[0].error;
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(client->stats().retries, 2);
  EXPECT_EQ(client->stats().failures, 0);
}

TEST(MllmClient, RetriesAreBounded) {
  FakeOpenAiServer server([](const json&, int, httplib::Response& res) { res.status = 503; });
  MllmOptions o = quick(server.url());
  o.retries = 2;
  auto client = make_mllm_client(o);
  const auto replies = client->similar_detailed({"cat"});
  EXPECT_FALSE(replies.at(0).labels);
  EXPECT_NE(replies[0].error.find("HTTP 503"), std::string::npos) << replies[0].error;
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(client->stats().failures, 1);
  EXPECT_EQ(client->stats().last_error, replies[0].error);
}

TEST(MllmClient, ClientErrorsAreNotRetried) {
  FakeOpenAiServer server([](const json&, int, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"error": {"message": "bad image"}})", "application/json");
  });
  MllmOptions o = quick(server.url());
  o.retries = 3;
  const auto replies = make_mllm_client(o)->similar_detailed({"cat"});
  EXPECT_NE(replies.at(0).error.find("HTTP 400"), std::string::npos);
  EXPECT_NE(replies[0].error.find("bad image"), std::string::npos);
  EXPECT_EQ(server.requests(), 1);
}

TEST(MllmClient, AServerThatNeverAnswersTimesOut) {
  FakeOpenAiServer gate;  // only its hang()/release()
  FakeOpenAiServer* g = &gate;
  FakeOpenAiServer hanging([g](const json&, int, httplib::Response&) { g->hang(); });
  MllmOptions o = quick(hanging.url());
  o.timeout_s = 0.3;
  o.retries = 1;
  auto client = make_mllm_client(o);
  const auto start = Clock::now();
  const auto labels = client->similar({"cat"});
  const double took = seconds_since(start);
  EXPECT_FALSE(labels.at(0));
  EXPECT_GE(took, 0.55);  // two attempts of 0.3 s each (a lower bound: load only makes it longer)
  EXPECT_LT(took, 10 * 2 * o.timeout_s);  // honoured: far below the 20 s the server would hang
  EXPECT_EQ(hanging.requests(), 2);
  EXPECT_NE(client->stats().last_error.find("timed out after 0.3 s"), std::string::npos) << client->stats().last_error;
  gate.release();
}

TEST(MllmClient, AServerThatClosesMidBody) {
  FakeOpenAiServer server([](const json&, int, httplib::Response& res) {
    res.set_content_provider(1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
      sink.write("{\"choices\":", 11);
      return false;  // drops the connection with 989 bytes promised
    });
  });
  MllmOptions o = quick(server.url());
  o.retries = 1;
  auto client = make_mllm_client(o);
  EXPECT_FALSE(client->similar({"cat"}).at(0));
  EXPECT_EQ(server.requests(), 2);  // a broken connection is retried
  EXPECT_EQ(client->stats().failures, 1);
  EXPECT_NE(client->stats().last_error.find(server.url()), std::string::npos) << client->stats().last_error;
}

TEST(MllmClient, InvalidJsonAndWrongShapes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json{", "not JSON"},
      {R"({"choices": []})", "no choices"},
      {R"({"choices": [{"message": {"content": 5}}]})", "not a string"},
      {R"({"error": {"message": "model not loaded"}})", "model not loaded"},
      {FakeOpenAiServer::completion("   "), "empty answer"},
      {FakeOpenAiServer::completion("Here are some:"), "no class names"}};
  for (const auto& [body, why] : cases) {
    SCOPED_TRACE(body);
    FakeOpenAiServer server([b = body](const json&, int, httplib::Response& res) { res.set_content(b, "application/json"); });
    MllmOptions o = quick(server.url());
    o.retries = 2;
    const auto replies = make_mllm_client(o)->similar_detailed({"cat"});
    EXPECT_FALSE(replies.at(0).labels);
    EXPECT_NE(replies[0].error.find(why), std::string::npos) << replies[0].error;
    EXPECT_EQ(server.requests(), 1);  // a well-formed but useless answer would come back the same
  }
}

TEST(MllmClient, AHugeBodyIsAFailure) {
  const std::string huge = FakeOpenAiServer::completion(std::string(3u << 20, 'a'));
  FakeOpenAiServer server([&huge](const json&, int, httplib::Response& res) { res.set_content(huge, "application/json"); });
  MllmOptions o = quick(server.url());
  o.max_response_bytes = 1u << 20;
  const auto replies = make_mllm_client(o)->similar_detailed({"cat"});
  EXPECT_FALSE(replies.at(0).labels);
  EXPECT_NE(replies[0].error.find("larger than 1048576 bytes"), std::string::npos) << replies[0].error;
}

TEST(MllmClient, ADeadPortFailsFastAndNeverThrows) {
  std::string url;
  {
    FakeOpenAiServer gone;
    url = gone.url();
  }
  MllmOptions o = quick(url);
  o.retries = 1;
  o.api_key = "secret-key";
  o.timeout_s = 60;  // "fast" = nowhere near the timeout, with room for a loaded machine
  auto client = make_mllm_client(o);
  const auto start = Clock::now();
  std::vector<std::optional<std::string>> out;
  EXPECT_NO_THROW(out = client->describe({test::temp_dir() / "missing.jpg", write_image(test::temp_dir(), "a.jpg", 8, 8)}, {"a", "b"}));
  EXPECT_LT(seconds_since(start), o.timeout_s / 4);
  EXPECT_FALSE(out.at(0));
  EXPECT_FALSE(out.at(1));
  const MllmStats st = client->stats();
  EXPECT_EQ(st.failures, 2);
  EXPECT_NE(st.last_error.find(url), std::string::npos) << st.last_error;
  EXPECT_EQ(st.last_error.find("secret"), std::string::npos);
  EXPECT_THROW(client->models(), Error);
}

TEST(MllmClient, AMissingImageNamesTheFile) {
  FakeOpenAiServer server;
  const auto replies = make_mllm_client(quick(server.url()))->describe_detailed({test::temp_dir() / "nope.jpg"}, {"x"});
  EXPECT_NE(replies.at(0).error.find("nope.jpg"), std::string::npos) << replies[0].error;
  EXPECT_EQ(server.requests(), 0);
}

TEST(MllmClient, TheCacheAnswersARerunWithoutRequests) {
  FakeOpenAiServer server;
  const auto dir = test::temp_dir();
  MllmOptions o = quick(server.url());
  o.cache = true;
  o.cache_path = dir / "answers.sqlite";
  const std::vector<ImageRef> images = {write_image(dir, "a.jpg", 16, 16, 1), write_image(dir, "b.jpg", 16, 16, 2)};
  const auto first = make_mllm_client(o)->describe(images, {"x", "y"});
  make_mllm_client(o)->similar({"cat"});
  ASSERT_EQ(server.requests(), 3);
  auto again = make_mllm_client(o);
  EXPECT_EQ(again->describe(images, {"x", "y"}), first);
  again->similar({"cat"});
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(again->stats().cache_hits, 3);
  // What changes the question changes the key: the class in the prompt, the model, the template.
  again->describe({images[0]}, {"z"});
  o.model = "m2";
  make_mllm_client(o)->describe({images[0]}, {"x"});
  std::ofstream(dir / "ens.txt") << "Describe the image briefly, not {class}.";
  o.prompt_ens = dir / "ens.txt";
  make_mllm_client(o)->describe({images[0]}, {"x"});
  EXPECT_EQ(server.requests(), 6);
}

TEST(MllmClient, RecordThenReplayWithoutAServer) {
  const auto dir = test::temp_dir();
  const std::vector<ImageRef> images = {write_image(dir, "a.jpg", 16, 16, 1), write_image(dir, "b.jpg", 16, 16, 2)};
  std::vector<std::optional<std::string>> recorded;
  {
    FakeOpenAiServer server([](const json& body, int, httplib::Response& res) {
      const bool similar = body["max_tokens"] == 100;
      res.set_content(FakeOpenAiServer::completion(similar ? "1. Lynx\n2. Bobcat" : "a boat " + std::to_string(body.dump().size())), "application/json");
    });
    MllmOptions o = quick(server.url());
    o.model = "";  // named by the server
    o.record_path = dir / "calls.jsonl";
    auto client = make_mllm_client(o);
    recorded = client->describe(images, {"x", "y"});
    client->similar({"cat"});
    EXPECT_EQ(server.bodies().at(0)["model"], "fake-vlm");
  }
  std::ifstream in(dir / "calls.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    EXPECT_TRUE(j["kind"] == "describe" || j["kind"] == "similar");
    EXPECT_EQ(j["key"].get<std::string>().size(), 32u);
    EXPECT_EQ(j["model"], "fake-vlm");
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  MllmOptions r;
  r.replay_path = dir / "calls.jsonl";
  r.cache = false;
  auto replay = make_mllm_client(r);
  EXPECT_EQ(replay->describe({images[1], images[0]}, {"y", "x"}), (std::vector<std::optional<std::string>>{recorded[1], recorded[0]}));
  EXPECT_EQ(replay->similar({"cat"}).at(0).value(), (std::vector<std::string>{"Lynx", "Bobcat"}));
  const auto miss = replay->similar_detailed({"dog"});
  EXPECT_NE(miss.at(0).error.find("calls.jsonl: no recorded answer"), std::string::npos) << miss[0].error;
  EXPECT_EQ(replay->stats().replay_hits, 3);
  EXPECT_EQ(replay->stats().requests, 0);
}

TEST(MllmClient, ABadReplayLineIsAnError) {
  const auto dir = test::temp_dir();
  std::ofstream(dir / "bad.jsonl") << "{\"kind\": \"similar\", \"key\": \"k\", \"answer\": \"x\"}\n{oops\n";
  MllmOptions r;
  r.replay_path = dir / "bad.jsonl";
  r.cache = false;
  try {
    make_mllm_client(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
}

// The breaker inside the client. Its timing is tested on a fake clock in circuit-breaker-test.cpp;
// here the cooldowns are chosen so that no assertion depends on how fast the machine is: an hour
// while the circuit must stay open, and an actual wait (sleep_for never returns early) before
// the half-open trial.
TEST(MllmClient, TheCircuitBreakerStopsCallingAFailingServer) {
  std::atomic<bool> healthy{false};
  FakeOpenAiServer server([&healthy](const json&, int, httplib::Response& res) {
    if (healthy) res.set_content(FakeOpenAiServer::completion("1. Lynx"), "application/json");
    else res.status = 500;
  });
  MllmOptions o = quick(server.url());
  o.parallel = 1;
  o.breaker_failures = 3;
  o.breaker_cooldown_s = 3600;
  auto client = make_mllm_client(o);
  const auto replies = client->similar_detailed({"a", "b", "c", "d", "e", "f"});
  EXPECT_EQ(server.requests(), 3);
  EXPECT_NE(replies.at(5).error.find("circuit open"), std::string::npos) << replies[5].error;
  MllmStats st = client->stats();
  EXPECT_TRUE(st.degraded);
  EXPECT_EQ(st.breaker_trips, 1);
  EXPECT_EQ(st.failures, 6);
  healthy = true;
  EXPECT_FALSE(client->similar({"g"}).at(0));  // still cooling down: not called, healthy or not
  EXPECT_EQ(server.requests(), 3);

  // After the cooldown: the half-open trial succeeds and closes the circuit.
  healthy = false;
  o.breaker_cooldown_s = 0.3;
  client = make_mllm_client(o);
  client->similar_detailed({"a", "b", "c"});
  EXPECT_EQ(server.requests(), 6);
  EXPECT_EQ(client->stats().breaker_trips, 1);
  healthy = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // > the cooldown: sleep_for never returns early
  EXPECT_TRUE(client->similar({"g"}).at(0));  // the half-open trial succeeds and closes the circuit
  EXPECT_FALSE(client->stats().degraded);
  EXPECT_TRUE(client->similar({"h"}).at(0));
  EXPECT_EQ(server.requests(), 8);
}

TEST(MllmClient, TheModelComesFromTheServerWhenItOffersOne) {
  FakeOpenAiServer server;
  server.models = {"a", "b"};
  MllmOptions o = quick(server.url());
  o.model = "";
  auto client = make_mllm_client(o);
  EXPECT_EQ(client->models(), (std::vector<std::string>{"a", "b"}));
  const auto replies = client->similar_detailed({"cat"});
  EXPECT_NE(replies.at(0).error.find("offers 2 models"), std::string::npos) << replies[0].error;
  EXPECT_EQ(server.requests(), 0);
}

TEST(MllmClient, AsyncAnswersArriveThroughPoll) {
  FakeOpenAiServer gate;  // only its hang()/release(): the server answers once the test lets it
  FakeOpenAiServer* g = &gate;
  std::atomic<int> answered{0};
  FakeOpenAiServer server([g, &answered](const json& body, int, httplib::Response& res) {
    g->hang();
    ++answered;
    res.set_content(FakeOpenAiServer::completion(body["max_tokens"] == 100 ? "1. Lynx" : "a boat"), "application/json");
  });
  const auto dir = test::temp_dir();
  MllmOptions o = quick(server.url());
  o.sync = false;
  o.timeout_s = 60;  // the held requests must not time out, however slow the machine
  auto client = make_mllm_client(o);
  const auto image = write_image(dir, "a.jpg", 16, 16);
  EXPECT_FALSE(client->describe({image}, {"x"}).at(0));
  EXPECT_FALSE(client->describe({image}, {"x"}).at(0));  // already in flight: not asked twice
  EXPECT_FALSE(client->similar({"cat"}).at(0));
  EXPECT_EQ(answered, 0);  // nobody waited for the server: it has not answered anything yet
  EXPECT_TRUE(client->poll().empty());
  gate.release();
  client->drain();
  const MllmLateAnswers late = client->poll();
  EXPECT_EQ(late.descriptions, std::vector<std::string>{"a boat"});
  ASSERT_EQ(late.similar.size(), 1u);
  EXPECT_EQ(late.similar[0].first, "cat");
  EXPECT_EQ(late.similar[0].second, std::vector<std::string>{"Lynx"});
  EXPECT_TRUE(client->poll().empty());
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(client->stats().late_answers, 2);
  EXPECT_EQ(client->stats().failures, 0);
}

TEST(MllmClient, BadOptionsAreErrors) {
  EXPECT_THROW(make_mllm_client(MllmOptions{}), Error);  // neither URL nor replay
  for (const char* url : {"ftp://x", "http://", "127.0.0.1:8080", "http://h/?q=1"}) {
    MllmOptions o = quick(url);
    EXPECT_THROW(make_mllm_client(o), Error) << url;
  }
  const auto dir = test::temp_dir();
  std::ofstream(dir / "vsnl.txt") << "Name five classes.";
  MllmOptions o = quick("http://127.0.0.1:1");
  o.prompt_vsnl = dir / "vsnl.txt";
  EXPECT_THROW(make_mllm_client(o), Error);
  o = quick("http://127.0.0.1:1");
  o.prompt_ens = dir / "missing.txt";
  EXPECT_THROW(make_mllm_client(o), Error);
  o = quick("http://127.0.0.1:1");
  o.headers = {{"Bad\nName", "x"}};
  EXPECT_THROW(make_mllm_client(o), Error);
}

}  // namespace
}  // namespace ants
