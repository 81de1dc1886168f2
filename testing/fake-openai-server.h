// An OpenAI-compatible chat-completions server on 127.0.0.1 (an ephemeral port) with scripted
// behaviour, for the MLLM client's tests and benchmark. Records every request body it gets.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace ants::test {

class FakeOpenAiServer {
 public:
  // Called for every POST /v1/chat/completions with the parsed body and the number of the request
  // (0-based); fills the response.
  using Script = std::function<void(const nlohmann::json& body, int n, httplib::Response& res)>;

  explicit FakeOpenAiServer(Script script = answer_with("a small red boat")) : script_(std::move(script)) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const int n = requests_++;
      nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(body);
        auth_.push_back(req.get_header_value("Authorization"));
        extra_.push_back(req.get_header_value("X-Test"));
      }
      script_(body, n, res);
    });
    server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      nlohmann::json data = nlohmann::json::array();
      for (const auto& m : models) data.push_back({{"id", m}, {"object", "model"}});
      res.set_content(nlohmann::json{{"object", "list"}, {"data", data}}.dump(), "application/json");
    });
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeOpenAiServer() {
    release();
    server_.stop();
    thread_.join();
  }
  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::vector<nlohmann::json> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> auth_headers() const {
    std::lock_guard lock(mu_);
    return auth_;
  }
  std::vector<std::string> extra_headers() const {
    std::lock_guard lock(mu_);
    return extra_;
  }
  // Blocks a handler until release() or the server's end (a server that never answers).
  void hang() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  std::vector<std::string> models{"fake-vlm"};

  static std::string completion(const std::string& content) {
    return nlohmann::json{{"id", "x"}, {"object", "chat.completion"},
                          {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}},
                                        {"finish_reason", "stop"}}}}}
        .dump();
  }
  static Script answer_with(std::string content) {
    return [content](const nlohmann::json&, int, httplib::Response& res) {
      res.set_content(completion(content), "application/json");
    };
  }
  // The user text of a request body.
  // The text of the last (user) message: after the system message, or alone (text-only prompts).
  static std::string prompt_of(const nlohmann::json& body) {
    for (const auto& part : body["messages"].back()["content"])
      if (part["type"] == "text") return part["text"];
    return {};
  }

 private:
  Script script_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<nlohmann::json> bodies_;
  std::vector<std::string> auth_, extra_;
};

}  // namespace ants::test
