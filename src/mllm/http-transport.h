// One HTTP(S) connection to the MLLM server (cpp-httplib; keep-alive). Not thread-safe: each
// worker thread owns one. Every call is bounded by the timeout: connecting, sending, waiting for
// the answer and reading it; bodies larger than the cap are cut off and reported as failures.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ants::mllm {

struct BaseUrl {
  std::string origin;  // scheme://host[:port]
  std::string prefix;  // path before /v1 ("" or "/something"), no trailing slash
  std::string text() const { return origin + prefix; }
};
// "http://host:8080", "https://host/openai/v1/": trailing "/" and "/v1" dropped. Throws
// Error(invalid_argument) naming the URL for another scheme, no host, a query or fragment.
BaseUrl parse_base_url(std::string_view url);

struct HttpResult {
  int status = 0;             // 0: no response (see error)
  std::string body;
  std::string error;          // empty when a whole response arrived (any status)
  double retry_after_s = -1;  // a 429/503 Retry-After in seconds, -1 when absent
};

struct HttpSettings {
  BaseUrl base;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string api_key;  // sent as a bearer token, never in an error message
  double timeout_s = 60;
  size_t max_body_bytes = 4u << 20;
};

class HttpTransport {
 public:
  explicit HttpTransport(HttpSettings settings);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // `path` below the base ("/v1/chat/completions").
  HttpResult post_json(std::string_view path, const std::string& body);
  HttpResult get(std::string_view path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ants::mllm
