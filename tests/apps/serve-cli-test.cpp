// ants serve end to end: the `ants` binary serving the shared tiny model on 127.0.0.1 (a port of
// its own), driven by an HTTP client: every route and body format, parity with `ants detect
// --mllm-sync`, state across restarts and kill -9, keys, limits, hostile input, slow clients and
// a failing MLLM server.
#include <ants/pipeline.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sstream>

#include "../clip/image-test-util.h"
#include "base64.h"
#include "cli-fixture.h"
#include "cli-runner.h"
#include "core/file-util.h"
#include "fake-openai-server.h"
#include "server-process.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test::run_cli;
using test::ServerProcess;

std::string file_bytes(const std::string& path) { return core::read_file(path); }

class ServeCli : public ::testing::Test {
 protected:
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
    write_demo_images(dir_ / "images", 12, 12);
    for (const auto& f : collect_image_files({(dir_ / "images").string()})) files_.push_back(f);
    std::string classes;
    for (const auto& c : demo_class_names()) classes += c + "\n";
    core::write_file_atomic(dir_ / "classes.txt", classes);
  }

  std::vector<std::string> scoring_args() const {
    return {"--model", test::tiny_model_dir().string(), "--precision", "fp32", "--classes", (dir_ / "classes.txt").string(),
            "--count", "300", "--batch", "8", "--min-candidates", "4", "--near-start", "2", "--near-interval", "2",
            "--cache-dir", (dir_ / "cache").string()};
  }
  // The scoring options, `extra` replacing those it names (every scoring option takes a value).
  std::unique_ptr<ServerProcess> serve(std::vector<std::string> extra, const std::string& log = "serve.log") const {
    auto args = scoring_args();
    for (size_t i = 0; i < extra.size(); ++i) {
      auto at = std::find(args.begin(), args.end(), extra[i]);
      if (extra[i].starts_with("--") && at != args.end() && i + 1 < extra.size()) {
        *(at + 1) = extra[++i];
        continue;
      }
      args.push_back(extra[i]);
    }
    return std::make_unique<ServerProcess>(args, dir_ / log);
  }
  static httplib::MultipartFormDataItems multipart(const std::vector<std::string>& files) {
    httplib::MultipartFormDataItems items;
    for (const auto& f : files) items.push_back({"images", file_bytes(f), fs::path(f).filename().string(), "image/png"});
    return items;
  }
  static json score(const ServerProcess& s, const std::string& stream, const std::vector<std::string>& files,
                    int expect_status = 200) {
    auto r = s.client().Post(("/v1/streams/" + stream + "/score").c_str(), multipart(files));
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    EXPECT_EQ(r->status, expect_status) << r->body;
    return json::parse(r->body);
  }
  static json get(const ServerProcess& s, const std::string& path, int expect_status = 200) {
    auto r = s.client().Get(path.c_str());
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect_status) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }

  // A hanging MLLM answer: held until the test releases the fake server (at most 20 s).
  void mllm_hang() const { hang_->hang(); }
  test::FakeOpenAiServer* hang_ = nullptr;

  static fs::path* warm_;
  fs::path dir_;
  std::vector<std::string> files_;  // 24 images in `detect`'s order
};
fs::path* ServeCli::warm_ = nullptr;

TEST_F(ServeCli, ScoresMultipartJsonAndRawBodiesInOrderWithACorruptImageAmongGoodOnes) {
  auto s = serve({"--method", "neglabel", "--max-wait-ms", "20"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  auto items = multipart({files_[0], files_[1]});
  items.insert(items.begin() + 1, {"images", "\x89PNG\r\n\x1a\n truncated", "broken.png", "image/png"});
  items.push_back({"note", "not an image part", "", "text/plain"});  // other parts are ignored
  auto r = s->client().Post("/v1/streams/cam-1/score", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json rows = json::parse(r->body)["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["file"], fs::path(files_[0]).filename().string());
  EXPECT_EQ(rows[1]["file"], "broken.png");
  EXPECT_NE(rows[1]["error"].get<std::string>().find("broken.png"), std::string::npos) << rows[1];
  EXPECT_FALSE(rows[1].contains("score"));
  for (size_t i : {0u, 2u}) {
    EXPECT_FALSE(rows[i].contains("error")) << rows[i];
    EXPECT_EQ(rows[i]["pred_name"], demo_class_names().at(rows[i]["pred"].get<size_t>()));
    EXPECT_TRUE(rows[i]["ood"].is_null());  // no threshold yet
    EXPECT_GT(rows[i]["prob"].get<double>(), 0.0);
  }
  // The same images as JSON base64 and as a raw body score the same (NegLabel is stateless).
  const json body{{"images", {server::base64_encode(file_bytes(files_[0])), "@@not base64@@", server::base64_encode(file_bytes(files_[1]))}},
                  {"names", {"a.png", "bad", "b.png"}}};
  r = s->client().Post("/v1/streams/cam-1/score", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json rows2 = json::parse(r->body)["rows"];
  ASSERT_EQ(rows2.size(), 3u);
  EXPECT_EQ(rows2[0]["file"], "a.png");
  EXPECT_EQ(rows2[0]["score"], rows[0]["score"]);
  EXPECT_NE(rows2[1]["error"].get<std::string>().find("base64"), std::string::npos);
  EXPECT_EQ(rows2[2]["score"], rows[2]["score"]);
  r = s->client().Post("/v1/streams/cam-1/score", file_bytes(files_[1]), "image/png");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["rows"][0]["score"], rows[2]["score"]);
  const json info = get(*s, "/v1/streams/cam-1");
  EXPECT_EQ(info["images_seen"], 7);
  EXPECT_EQ(get(*s, "/v1/streams")["streams"].size(), 1u);
  EXPECT_EQ(s->stop(), 0);
  EXPECT_NE(s->log_text().find("POST /v1/streams/cam-1/score 200 3 images"), std::string::npos) << s->log_text();
}

TEST_F(ServeCli, RequestsOfOneDetectorBatchGetTheScoresOfDetectWithASyncMllm) {
  test::FakeOpenAiServer mllm(test::scripted_mllm());
  const std::vector<std::string> mllm_args{"--mllm-url", mllm.url(), "--mllm-sync", "--mllm-cache", "none"};
  auto args = std::vector<std::string>{"detect", "--quiet", "--out", (dir_ / "rows.jsonl").string()};
  const auto scoring = scoring_args();
  args.insert(args.end(), scoring.begin(), scoring.end());
  args.insert(args.end(), mllm_args.begin(), mllm_args.end());
  args.insert(args.end(), files_.begin(), files_.end());
  const auto d = run_cli(args);
  ASSERT_EQ(d.code, 0) << d.err;
  const auto lines = test::split_lines(core::read_file(dir_ / "rows.jsonl"));
  ASSERT_EQ(lines.size(), files_.size());

  auto s = serve(mllm_args);
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  std::vector<json> rows;
  for (size_t at = 0; at < files_.size(); at += 8) {
    const std::vector<std::string> batch(files_.begin() + static_cast<long>(at),
                                         files_.begin() + static_cast<long>(std::min(files_.size(), at + 8)));
    const json answer = score(*s, "parity", batch);
    for (const auto& row : answer["rows"]) rows.push_back(row);
  }
  ASSERT_EQ(rows.size(), files_.size()) << s->log_text();
  for (size_t i = 0; i < rows.size(); ++i) {
    const json want = json::parse(lines[i]);
    EXPECT_EQ(rows[i]["pred"], want["pred"]) << i;
    EXPECT_EQ(static_cast<float>(rows[i]["score"].get<double>()), static_cast<float>(want["score"].get<double>())) << i;
  }
  const json info = get(*s, "/v1/streams/parity");
  EXPECT_EQ(info["batches_seen"], 3);
  EXPECT_FALSE(info["ens_labels"].empty()) << info;  // the MLLM took part: ENS fired
  EXPECT_FALSE(info["vsnl_labels"].empty()) << info;
  EXPECT_GE(info["ens_labels"][0]["batch"].get<int>(), 1);
}

// A request whose images span two detector batches, with the threshold set between them: each row
// is judged by the threshold its own batch was scored with.
TEST_F(ServeCli, EachRowIsJudgedByTheThresholdOfItsOwnDetectorBatch) {
  auto s = serve({"--method", "mcm", "--batch", "2", "--max-wait-ms", "600000"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  json rows;
  std::thread request([&] { rows = score(*s, "cam", {files_[0], files_[1], files_[2]})["rows"]; });
  bool first_batch_scored = false;  // the third image waits for a fourth to fill its batch
  for (int i = 0; i < 3000 && !first_batch_scored; ++i) {
    auto r = s->client().Get("/v1/streams/cam");
    first_batch_scored = r && r->status == 200 && json::parse(r->body)["batches_seen"] == 1;
    if (!first_batch_scored) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto r = s->client().Put("/v1/streams/cam/threshold", R"({"threshold": 0.5})", "application/json");
  const json fourth = score(*s, "cam", {files_[3]})["rows"];
  request.join();
  ASSERT_TRUE(first_batch_scored);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(rows.size(), 3u) << rows;
  EXPECT_TRUE(rows[0]["ood"].is_null()) << rows;
  EXPECT_TRUE(rows[1]["ood"].is_null()) << rows;
  for (const json& row : {rows[2], fourth.at(0)}) {
    ASSERT_TRUE(row["ood"].is_boolean()) << rows;
    EXPECT_EQ(row["ood"].get<bool>(), row["score"].get<double>() < 0.5) << row;
  }
  EXPECT_EQ(get(*s, "/v1/streams/cam")["batches_seen"], 2);
}

TEST_F(ServeCli, ThresholdResetSnapshotAndARestartKeepTheStreamState) {
  const std::string state = (dir_ / "state").string();
  auto s = serve({"--state-dir", state, "--state-every", "100", "--stream", "pre"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  EXPECT_EQ(get(*s, "/v1/streams/pre")["images_seen"], 0);  // pre-created
  get(*s, "/v1/streams/cam", 404);
  auto r = s->client().Put("/v1/streams/cam/threshold", R"({"threshold": 0.5})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);  // not created yet
  const json first = score(*s, "cam", {files_.begin(), files_.begin() + 8});
  r = s->client().Put("/v1/streams/cam/threshold", R"({"threshold": 0.5})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json second = score(*s, "cam", {files_.begin() + 8, files_.begin() + 16});
  for (const auto& row : second["rows"])
    EXPECT_EQ(row["ood"].get<bool>(), row["score"].get<double>() < 0.5);
  r = s->client().Put("/v1/streams/cam/threshold", R"({"threshold": "high"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = s->client().Post("/v1/streams/cam/snapshot");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(fs::exists(dir_ / "state" / "cam.state"));
  const json before = get(*s, "/v1/streams/cam");
  EXPECT_EQ(before["images_seen"], 16);
  EXPECT_EQ(s->stop(SIGTERM), 0) << s->log_text();

  auto again = serve({"--state-dir", state}, "serve2.log");
  ASSERT_TRUE(again->wait_ready()) << again->log_text();
  const json after = get(*again, "/v1/streams/cam");
  EXPECT_EQ(after["images_seen"], 16);
  EXPECT_EQ(after["batches_seen"], 2);
  EXPECT_EQ(after["threshold"], 0.5);
  EXPECT_EQ(after["gamma"], before["gamma"]);
  EXPECT_EQ(get(*again, "/v1/streams/pre")["images_seen"], 0);
  r = again->client().Post("/v1/streams/cam/reset");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(get(*again, "/v1/streams/cam")["images_seen"], 0);
  // After a reset the stream scores its first batch as a fresh stream does.
  EXPECT_EQ(score(*again, "cam", {files_.begin(), files_.begin() + 8})["rows"][0]["score"], first["rows"][0]["score"]);
  EXPECT_EQ(again->stop(SIGINT), 0);

  // A state directory of other detector options is refused, naming what differs.
  auto other = serve({"--state-dir", state, "--eta", "0.3"}, "serve3.log");
  EXPECT_EQ(other->wait_exit(), 2);
  EXPECT_NE(other->log_text().find("detector options"), std::string::npos) << other->log_text();
}

TEST_F(ServeCli, KillNineLosesAtMostTheBatchesSinceTheLastSnapshot) {
  const std::string state = (dir_ / "state").string();
  auto s = serve({"--state-dir", state, "--state-every", "2"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  for (size_t at = 0; at < 24; at += 8) score(*s, "cam", {files_.begin() + static_cast<long>(at), files_.begin() + static_cast<long>(at + 8)});
  EXPECT_EQ(s->stop(SIGKILL), -1);
  auto again = serve({"--state-dir", state}, "serve2.log");
  ASSERT_TRUE(again->wait_ready()) << again->log_text();
  const json info = get(*again, "/v1/streams/cam");
  EXPECT_EQ(info["images_seen"], 16);  // saved after batch 2; batch 3 is lost
  EXPECT_EQ(info["batches_seen"], 2);
}

// Candidates mined from uploads are described batches later; their bytes wait under
// --state-dir/images so that a restart in between loses none of them.
TEST_F(ServeCli, CandidatesFromUploadsSurviveARestartAndAreDescribedAfterIt) {
  test::FakeOpenAiServer mllm(test::scripted_mllm());
  const std::string state = (dir_ / "state").string();
  const std::vector<std::string> args{"--state-dir", state, "--mllm-url", mllm.url(), "--mllm-sync", "--mllm-cache", "none",
                                      "--min-candidates", "12", "--near-start", "1000"};
  const auto blobs = [&] {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "state" / "images", ec)) n += e.is_regular_file() ? 1 : 0;
    return n;
  };
  size_t pending = 0;
  {
    auto s = serve(args);
    ASSERT_TRUE(s->wait_ready()) << s->log_text();
    score(*s, "cam", {files_.begin(), files_.begin() + 8});
    pending = get(*s, "/v1/streams/cam")["pending_candidates"].get<size_t>();
    ASSERT_GT(pending, 0u);
    ASSERT_LE(pending, 12u);  // not described yet
    EXPECT_EQ(s->stop(), 0);
  }
  EXPECT_EQ(blobs(), pending);
  EXPECT_EQ(mllm.requests(), 0);
  auto s = serve(args, "serve2.log");
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  EXPECT_EQ(get(*s, "/v1/streams/cam")["pending_candidates"], pending);
  for (int round = 0; round < 4 && get(*s, "/v1/streams/cam")["ens_updates"] == 0; ++round)
    score(*s, "cam", {files_.begin() + 8 * (round % 3), files_.begin() + 8 * (round % 3) + 8});
  const json info = get(*s, "/v1/streams/cam");
  ASSERT_EQ(info["ens_updates"], 1) << info;
  EXPECT_EQ(info["mllm"]["failures"], 0) << info;  // the restored candidates were read from their bytes
  EXPECT_GE(mllm.requests(), static_cast<int>(pending));
  auto snap = s->client().Post("/v1/streams/cam/snapshot");
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->status, 200);
  EXPECT_EQ(blobs(), get(*s, "/v1/streams/cam")["pending_candidates"].get<size_t>());  // described ones are dropped
}

TEST_F(ServeCli, ApiKeyGuardsEveryRouteButHealth) {
  const fs::path key = dir_ / "key.txt";
  core::write_file_atomic(key, "s3cret-key\n");
  auto s = serve({"--method", "mcm", "--api-key-file", key.string()});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  auto c = s->client();
  for (const char* path : {"/metrics", "/v1/streams", "/v1/streams/x"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "unauthorized");
  }
  c.set_bearer_token_auth("wrong-key!");
  auto r = c.Post("/v1/streams/x/score", multipart({files_[0]}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  c.set_bearer_token_auth("s3cret-key");
  r = c.Post("/v1/streams/x/score", multipart({files_[0]}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.find("s3cret"), std::string::npos);
  EXPECT_EQ(s->stop(), 0);
  EXPECT_EQ(s->log_text().find("s3cret"), std::string::npos);
}

TEST_F(ServeCli, HostileNamesBodiesAndImagesAreRefusedWithTheirStatus) {
  auto s = serve({"--method", "mcm", "--max-body-mb", "1", "--max-images", "4", "--max-wait-ms", "10"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  auto c = s->client();
  for (const std::string& name : std::vector<std::string>{"..", "%2E%2E", "..%2Fx", "", ".hidden", std::string(1000, 'a'), "a%00b", "x y"}) {
    auto r = c.Post(("/v1/streams/" + name + "/score").c_str(), multipart({files_[0]}));
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->status, 400) << name << ": " << r->body;
    r = c.Get(("/v1/streams/" + name).c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << name;
  }
  auto r = c.Post("/v1/streams/s/score", std::string(2u << 20, 'x'), "image/png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "payload_too_large");
  r = c.Post("/v1/streams/s/score", multipart(std::vector<std::string>(5, files_[0])));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "too_many_images");
  r = c.Post("/v1/streams/s/score", "hello", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  r = c.Post("/v1/streams/s/score", "{\"images\": 3}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // A PNG declaring 100000 x 100000 pixels is an error row, judged from its header.
  const auto bomb = test::png_with_size(100000, 100000);
  httplib::MultipartFormDataItems items = multipart({files_[0]});
  items.push_back({"images", std::string(bomb.begin(), bomb.end()), "bomb.png", "image/png"});
  r = c.Post("/v1/streams/s/score", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json rows = json::parse(r->body)["rows"];
  EXPECT_FALSE(rows[0].contains("error"));
  EXPECT_NE(rows[1]["error"].get<std::string>().find("bomb.png"), std::string::npos) << rows[1];
  r = c.Post("/v1/streams/nope/reset");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "no_such_stream");
  r = c.Post("/v1/streams/s/snapshot");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);  // no --state-dir
  r = c.Get("/no/such/route");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "not_found");
  EXPECT_EQ(s->stop(), 0);
}

// A raw TCP client: connects, sends `bytes`, and reports how long the server took to close.
struct RawClient {
  int fd = -1;
  explicit RawClient(int port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd = -1;
  }
  ~RawClient() {
    if (fd >= 0) close(fd);
  }
  void send_text(const std::string& s) const { (void)::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads until the server closes (or `limit` passes); what it answered.
  std::string read_until_closed(std::chrono::seconds limit, bool& closed) const {
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    const auto end = std::chrono::steady_clock::now() + limit;
    closed = false;
    while (std::chrono::steady_clock::now() < end) {
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        closed = true;
        break;
      }
      if (n > 0) got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

TEST_F(ServeCli, SlowAndVanishingUploadsAreCutAndTheServerGoesOn) {
  auto s = serve({"--method", "mcm", "--request-timeout", "2", "--max-wait-ms", "10"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  const std::string head = "POST /v1/streams/s/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n";
  {  // a body that never finishes: cut by the deadline
    RawClient never(s->port());
    ASSERT_GE(never.fd, 0);
    never.send_text(head + "abc");
    bool closed = false;
    const auto t0 = std::chrono::steady_clock::now();
    never.read_until_closed(std::chrono::seconds(20), closed);
    EXPECT_TRUE(closed);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
  }
  {  // a drip that keeps every single read alive is still cut by the whole-request deadline
    RawClient drip(s->port());
    ASSERT_GE(drip.fd, 0);
    drip.send_text(head);
    const auto t0 = std::chrono::steady_clock::now();
    bool cut = false;
    for (int i = 0; i < 40 && !cut; ++i) {
      drip.send_text("x");
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      char b;
      cut = recv(drip.fd, &b, 1, MSG_DONTWAIT) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
    EXPECT_TRUE(cut);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  }
  {  // a request head dripped line by line (each read succeeds) is cut by the deadline too
    RawClient slowloris(s->port());
    ASSERT_GE(slowloris.fd, 0);
    slowloris.send_text("GET /v1/streams HTTP/1.1\r\nHost: x\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    bool cut = false;
    for (int i = 0; i < 40 && !cut; ++i) {
      slowloris.send_text("X-Drip-" + std::to_string(i) + ": y\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      char b;
      cut = recv(slowloris.fd, &b, 1, MSG_DONTWAIT) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
    EXPECT_TRUE(cut);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  }
  {  // a client that disconnects mid-upload
    RawClient gone(s->port());
    ASSERT_GE(gone.fd, 0);
    gone.send_text(head + std::string(5000, 'x'));
  }
  const json rows = score(*s, "s", {files_[0]})["rows"];
  EXPECT_FALSE(rows[0].contains("error")) << rows;
  EXPECT_EQ(s->stop(), 0);
}

TEST_F(ServeCli, AnMllmServerThatIsDownKeepsScoresFlowingAndShowsInMetrics) {
  int port = 0;
  {  // a port nobody listens on
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  auto s = serve({"--mllm-url", "http://127.0.0.1:" + std::to_string(port), "--mllm-timeout", "2", "--mllm-retries", "0",
                  "--mllm-cache", "none", "--max-wait-ms", "10"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  for (size_t at = 0; at < 24; at += 8) {
    const json rows = score(*s, "cam", {files_.begin() + static_cast<long>(at), files_.begin() + static_cast<long>(at + 8)})["rows"];
    ASSERT_EQ(rows.size(), 8u);
    for (const auto& row : rows) EXPECT_TRUE(row.contains("score")) << row;
  }
  // Asynchronous requests fail in the background, and a request is counted once its answer is
  // written (after the client may have read it): the counters show both soon after.
  const std::string counted = "ants_http_requests_total{route=\"/v1/streams/{name}/score\",status=\"200\"} 3";
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    auto r = s->client().Get("/metrics");
    ASSERT_TRUE(r);
    metrics = r->body;
    if (metrics.find("ants_mllm_failures_total 0\n") == std::string::npos && metrics.find(counted) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(metrics.find("ants_mllm_failures_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ants_images_scored_total 24"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(counted), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ants_stream_gamma{stream=\"cam\"}"), std::string::npos);
  EXPECT_NE(metrics.find("ants_detector_batch_size_bucket{le=\"8\"} 3"), std::string::npos) << metrics;
  EXPECT_EQ(s->stop(), 0);
}

TEST_F(ServeCli, AnMllmThatHangsOrAnswersGarbageNeverHoldsScoresBack) {
  for (const bool hang : {true, false}) {
    SCOPED_TRACE(hang ? "hanging server" : "garbage");
    test::FakeOpenAiServer mllm([&](const json&, int, httplib::Response& res) {
      if (hang) return mllm_hang();
      res.set_content("<<< not json at all", "application/json");
    });
    hang_ = &mllm;
    auto s = serve({"--mllm-url", mllm.url(), "--mllm-timeout", "60", "--mllm-retries", "0", "--mllm-cache", "none"},
                   hang ? "hang.log" : "garbage.log");
    ASSERT_TRUE(s->wait_ready()) << s->log_text();
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t at = 0; at < 24; at += 8) {
      const json answer = score(*s, "cam", {files_.begin() + static_cast<long>(at), files_.begin() + static_cast<long>(at + 8)});
      for (const auto& row : answer["rows"]) EXPECT_TRUE(row.contains("score")) << row;
    }
    // The hanging server holds every request for 20 s: the scores came back long before.
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
    EXPECT_GT(mllm.requests(), 0);
    if (!hang) {  // garbage answers are failures, and /metrics counts them
      const auto fetch = [&] {
        auto m = s->client().Get("/metrics");
        return m ? m->body : std::string();
      };
      std::string metrics = fetch();
      for (int i = 0; i < 100 && metrics.find("ants_mllm_failures_total 0\n") != std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        metrics = fetch();
      }
      EXPECT_EQ(metrics.find("ants_mllm_failures_total 0\n"), std::string::npos) << metrics;
      EXPECT_NE(metrics.find("ants_mllm_failures_total"), std::string::npos);
    }
    const auto stopped = std::chrono::steady_clock::now();
    EXPECT_EQ(s->stop(SIGTERM), 0);  // requests still in flight do not hold the exit
    EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(10));
    mllm.release();
  }
}

TEST_F(ServeCli, SigtermUnderLoadAnswersEveryRequestOnceAndSavesWhatItAnswered) {
  const std::string state = (dir_ / "state").string();
  auto s = serve({"--method", "neglabel", "--state-dir", state, "--max-wait-ms", "20", "--batch", "8"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  std::atomic<size_t> answered{0}, refused{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      auto client = s->client(30);
      for (int i = 0; i < 500 && !stop; ++i) {
        const size_t at = static_cast<size_t>(c * 5 + i) % 22;
        auto r = client.Post("/v1/streams/load/score", multipart({files_[at], files_[at + 1]}));
        if (!r) {
          ++failed;
          if (stop) return;
          continue;
        }
        if (r->status == 200) {
          const json rows = json::parse(r->body)["rows"];
          EXPECT_EQ(rows.size(), 2u);
          answered += rows.size();
        } else {
          EXPECT_EQ(r->status, 503) << r->body;
          EXPECT_EQ(json::parse(r->body)["error"]["code"], "shutting_down");
          ++refused;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(s->stop(SIGTERM), 0) << s->log_text();
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(answered.load(), 0u);
  auto again = serve({"--method", "neglabel", "--state-dir", state, "--max-wait-ms", "20", "--batch", "8"}, "serve2.log");
  ASSERT_TRUE(again->wait_ready()) << again->log_text();
  EXPECT_EQ(get(*again, "/v1/streams/load")["images_seen"].get<size_t>(), answered.load())
      << refused << " refused, " << failed << " failed";
}

TEST_F(ServeCli, AFullQueueAnswers503WithRetryAfterAndALateBatchOrABusyStream504) {
  test::FakeOpenAiServer mllm([&](const json&, int, httplib::Response&) { mllm_hang(); });
  hang_ = &mllm;
  // A sync MLLM that hangs holds the engine in the first batch (VSNL asks from batch 1).
  auto s = serve({"--mllm-url", mllm.url(), "--mllm-sync", "--mllm-timeout", "30", "--mllm-retries", "0", "--mllm-cache",
                  "none", "--near-start", "1", "--near-interval", "1", "--max-queue", "8", "--max-images", "8",
                  "--request-timeout", "3", "--state-dir", (dir_ / "state").string()});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  const std::vector<std::string> eight(files_.begin(), files_.begin() + 8);
  std::thread first([&] { score(*s, "cam", eight, 504); });  // its batch waits for the MLLM
  for (int i = 0; i < 100 && mllm.requests() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GT(mllm.requests(), 0);
  std::thread second([&] { score(*s, "cam", eight, 504); });  // queued behind it: the queue is full
  bool full = false;
  for (int i = 0; i < 200 && !full; ++i) {
    auto m = s->client().Get("/metrics");
    full = m && m->body.find("ants_queue_images 8\n") != std::string::npos;
    if (!full) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(full) << "the second request's images never waited in the queue";
  auto r = s->client().Post("/v1/streams/cam/score", multipart(eight));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "queue_full");
  // The batch holds the stream: calls on it answer 504 at their deadline (3 s) and change nothing.
  const auto busy = [&](const std::function<httplib::Result(httplib::Client&)>& call) {
    return std::thread([&s, call] {
      auto client = s->client();
      const auto t0 = std::chrono::steady_clock::now();
      auto answer = call(client);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->status, 504) << answer->body;
      EXPECT_EQ(json::parse(answer->body)["error"]["code"], "timeout");
      EXPECT_LT(seconds, 6.0);
    });
  };
  std::vector<std::thread> calls;
  calls.push_back(busy([](httplib::Client& c) { return c.Put("/v1/streams/cam/threshold", R"({"threshold": 0.5})", "application/json"); }));
  calls.push_back(busy([](httplib::Client& c) { return c.Post("/v1/streams/cam/reset"); }));
  calls.push_back(busy([](httplib::Client& c) { return c.Post("/v1/streams/cam/snapshot"); }));
  for (auto& t : calls) t.join();
  first.join();
  second.join();
  mllm.release();
  const json info = get(*s, "/v1/streams/cam");
  EXPECT_TRUE(info["threshold"].is_null()) << info;
  EXPECT_EQ(s->stop(), 0);
  // A request larger than the whole queue could never be queued: refused at start.
  auto bad = serve({"--max-queue", "4", "--max-images", "8"}, "bad.log");
  EXPECT_EQ(bad->wait_exit(), 2);
}

TEST_F(ServeCli, StreamsScoredTogetherInOneForwardPassKeepTheirOwnStates) {
  const auto run = [&](ServerProcess& s, const std::string& stream) {
    std::vector<json> rows;
    for (size_t at = 0; at < 24; at += 8) {
      const json answer = score(s, stream, {files_.begin() + static_cast<long>(at), files_.begin() + static_cast<long>(at + 8)});
      for (const auto& row : answer["rows"]) rows.push_back(row["score"]);
    }
    return rows;
  };
  auto alone = serve({"--infer-batch", "16"});
  ASSERT_TRUE(alone->wait_ready()) << alone->log_text();
  const auto want = run(*alone, "only");
  EXPECT_EQ(alone->stop(), 0);
  auto both = serve({"--infer-batch", "16"}, "both.log");
  ASSERT_TRUE(both->wait_ready()) << both->log_text();
  std::vector<json> a, b;
  std::thread ta([&] { a = run(*both, "a"); });
  std::thread tb([&] { b = run(*both, "b"); });
  ta.join();
  tb.join();
  EXPECT_EQ(a, want);
  EXPECT_EQ(b, want);
  EXPECT_EQ(get(*both, "/v1/streams/a")["images_seen"], 24);
  EXPECT_EQ(get(*both, "/v1/streams/b")["images_seen"], 24);
}

// Clients that (re)connect all at once: the packaged httplib listens with a backlog of 5, and
// connections past it were answered with SYN cookies and reset under load (32 bench clients).
TEST_F(ServeCli, ManyClientsConnectingAtOnceAreAllAnsweredAndAPortInUseIsRefused) {
  auto s = serve({"--method", "mcm"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<RawClient>(s->port()));
  for (const auto& c : clients) c->send_text("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int answered = 0;
  for (const auto& c : clients) {
    bool closed = false;
    if (c->fd >= 0 && c->read_until_closed(std::chrono::seconds(20), closed).starts_with("HTTP/1.1 200")) ++answered;
  }
  EXPECT_EQ(answered, kClients);
  // A second server on the same port fails to start instead of sharing it (httplib's SO_REUSEPORT).
  auto args = scoring_args();
  args.insert(args.begin(), "serve");
  args.insert(args.end(), {"--method", "mcm", "--port", std::to_string(s->port())});
  const auto second = run_cli(args);
  EXPECT_NE(second.code, 0);
  EXPECT_NE(second.err.find("cannot listen"), std::string::npos) << second.err;
  EXPECT_EQ(get(*s, "/health")["status"], "ok");
}

// Dynamic batching: a CLIP pass short of --infer-batch waits (up to --gather-ms) for more images, so
// one-image requests arriving together share it; a full pass goes at once.
TEST_F(ServeCli, OneImageRequestsArrivingTogetherShareACLIPPass) {
  auto s = serve({"--method", "mcm", "--gather-ms", "60000", "--infer-batch", "8"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  std::vector<std::thread> clients;
  for (size_t i = 0; i < 8; ++i) clients.emplace_back([&, i] { score(*s, "cam", {files_[i]}); });
  for (auto& t : clients) t.join();
  const std::string metrics = s->client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("ants_forward_passes_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ants_forward_batch_size_sum 8\n"), std::string::npos) << metrics;
}

TEST_F(ServeCli, AnAnswerBeforeTheBodyEndsTheConnectionSoTheBodyIsNeverARequest) {
  auto s = serve({"--method", "mcm"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  const std::string image = file_bytes(files_[0]);
  const std::string hidden = "POST /v1/streams/smuggled/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                             "Content-Length: " + std::to_string(image.size()) + "\r\n\r\n" + image;
  RawClient c(s->port());
  ASSERT_GE(c.fd, 0);
  c.send_text("POST /v1/streams/..%2F/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " +
              std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
  bool closed = false;
  const std::string answer = c.read_until_closed(std::chrono::seconds(10), closed);
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
  EXPECT_TRUE(closed);
  get(*s, "/v1/streams/smuggled", 404);
  {  // a GET's body is not read by httplib: refused, and the connection ends, the same way
    RawClient g(s->port());
    ASSERT_GE(g.fd, 0);
    g.send_text("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
    const std::string got = g.read_until_closed(std::chrono::seconds(10), closed);
    EXPECT_NE(got.find("unexpected_body"), std::string::npos) << got;
    EXPECT_TRUE(closed);
    get(*s, "/v1/streams/smuggled", 404);
  }
  {  // a bodiless POST without Content-Length (curl -X POST) is answered at once
    RawClient p(s->port());
    ASSERT_GE(p.fd, 0);
    const auto t0 = std::chrono::steady_clock::now();
    p.send_text("POST /v1/streams/nope/reset HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string got = p.read_until_closed(std::chrono::seconds(20), closed);
    EXPECT_NE(got.find("no_such_stream"), std::string::npos) << got;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  }
  // Malformed optional fields are the client's error, never the server's.
  auto r = s->client().Post("/v1/streams/x/score", json{{"images", {server::base64_encode(image)}}, {"names", "a"}}.dump(),
                            "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = s->client().Post("/v1/embeddings/texts", json{{"texts", {"a"}}, {"encoding", 3}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["encoding"], "float");
}

TEST_F(ServeCli, EmbeddingsOfImagesAndTextsMatchTheClipCommands) {
  auto s = serve({"--method", "mcm"});
  ASSERT_TRUE(s->wait_ready()) << s->log_text();
  const auto image = run_cli({"embed-image", "--model", test::tiny_model_dir().string(), "--precision", "fp32", files_[0]});
  const auto text = run_cli({"embed-text", "--model", test::tiny_model_dir().string(), "--precision", "fp32", "a red cube"});
  ASSERT_EQ(image.code, 0) << image.err;
  ASSERT_EQ(text.code, 0) << text.err;
  const auto want_image = image.json_lines()[0]["embedding"].get<std::vector<float>>();
  const auto want_text = text.json_lines()[0]["embedding"].get<std::vector<float>>();
  auto r = s->client().Post("/v1/embeddings/images", multipart({files_[0]}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto got_image = json::parse(r->body)["embeddings"][0]["embedding"].get<std::vector<float>>();
  r = s->client().Post("/v1/embeddings/texts", json{{"texts", {"a red cube"}}, {"encoding", "base64"}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string packed = server::base64_decode(json::parse(r->body)["embeddings"][0].get<std::string>()).value_or("");
  ASSERT_EQ(packed.size(), want_text.size() * sizeof(float));
  std::vector<float> got_text(want_text.size());
  std::memcpy(got_text.data(), packed.data(), packed.size());
  ASSERT_EQ(got_image.size(), want_image.size());
  for (size_t i = 0; i < want_image.size(); ++i) EXPECT_NEAR(got_image[i], want_image[i], 1e-6) << i;
  for (size_t i = 0; i < want_text.size(); ++i) EXPECT_NEAR(got_text[i], want_text[i], 1e-6) << i;
}

}  // namespace
}  // namespace ants
