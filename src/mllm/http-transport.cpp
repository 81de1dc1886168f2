#include "mllm/http-transport.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace ants::mllm {
namespace {

using Clock = std::chrono::steady_clock;

std::string drop_suffix(std::string s, std::string_view suffix) {
  if (s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
    s.erase(s.size() - suffix.size());
  return s;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

std::string error_text(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect (refused, unreachable or unknown host)";
    case httplib::Error::ConnectionTimeout: return "timed out connecting";
    case httplib::Error::Read: return "connection closed while reading the answer";
    case httplib::Error::Write: return "connection closed while sending the request";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "TLS certificate verification failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the system's TLS certificates";
    default: return httplib::to_string(e);
  }
}

double parse_retry_after(const httplib::Response& res) {
  if (!res.has_header("Retry-After")) return -1;
  const std::string v = res.get_header_value("Retry-After");
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  return end != v.c_str() && std::isfinite(s) && s >= 0 ? s : -1;
}

}  // namespace

BaseUrl parse_base_url(std::string_view url) {
  const std::string u(url);
  const size_t scheme_end = u.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : u.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    core::fail(ErrorCode::invalid_argument, u, "MLLM URL must start with http:// or https://");
  if (u.find_first_of("?#") != std::string::npos)
    core::fail(ErrorCode::invalid_argument, u, "MLLM URL must not have a query or fragment");
  const size_t host_start = scheme_end + 3;
  const size_t path_start = std::min(u.find('/', host_start), u.size());
  if (path_start == host_start) core::fail(ErrorCode::invalid_argument, u, "MLLM URL has no host");
  std::string prefix = u.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  prefix = drop_suffix(prefix, "/v1");
  return BaseUrl{u.substr(0, path_start), prefix};
}

struct HttpTransport::Impl {
  HttpSettings s;
  httplib::Client client;

  explicit Impl(HttpSettings settings) : s(std::move(settings)), client(s.base.origin) {
    const auto t = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(s.timeout_s));
    client.set_connection_timeout(t);
    client.set_read_timeout(t);
    client.set_write_timeout(t);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // headers and body are separate writes: Nagle + delayed ACK would add ~40 ms
    client.set_follow_location(true);
    httplib::Headers h;
    for (const auto& [k, v] : s.headers) h.emplace(k, v);
    if (!s.api_key.empty()) h.emplace("Authorization", "Bearer " + s.api_key);
    client.set_default_headers(std::move(h));
  }

  HttpResult send(const char* method, std::string_view path, const std::string* body) {
    const std::string url = s.base.text() + std::string(path);
    if (!client.is_valid()) return {0, {}, url + ": cannot create a client for this URL", -1};
    httplib::Request req;
    req.method = method;
    req.path = s.base.prefix + std::string(path);
    if (body) {
      req.body = *body;
      req.set_header("Content-Type", "application/json");
    }
    HttpResult out;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s.timeout_s));
    bool too_large = false, too_slow = false;
    // Our own receiver: the body cap and the whole-answer deadline are checked on every chunk.
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (out.body.size() + n > s.max_body_bytes) return !(too_large = true);
      if (Clock::now() > deadline) return !(too_slow = true);
      out.body.append(data, n);
      return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    const bool ok = client.send(req, res, err);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (too_large) return fail(url, "answer larger than " + std::to_string(s.max_body_bytes) + " bytes");
    if (too_slow || (!ok && elapsed >= s.timeout_s * 0.95))
      return fail(url, "timed out after " + seconds_text(s.timeout_s));
    if (!ok) return fail(url, error_text(err));
    out.status = res.status;
    out.retry_after_s = parse_retry_after(res);
    return out;
  }

  void reset_connection() { client.stop(); }

  static HttpResult fail(const std::string& url, const std::string& why) { return {0, {}, url + ": " + why, -1}; }
};

HttpTransport::HttpTransport(HttpSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}
HttpTransport::~HttpTransport() = default;

HttpResult HttpTransport::post_json(std::string_view path, const std::string& body) {
  HttpResult r = impl_->send("POST", path, &body);
  if (!r.error.empty()) impl_->reset_connection();  // never reuse a connection left mid-answer
  return r;
}

HttpResult HttpTransport::get(std::string_view path) {
  HttpResult r = impl_->send("GET", path, nullptr);
  if (!r.error.empty()) impl_->reset_connection();
  return r;
}

}  // namespace ants::mllm
