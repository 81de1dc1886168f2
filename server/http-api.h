// The HTTP front of the service (cpp-httplib): routes, bodies (multipart, JSON base64, raw
// image), API key, limits, request deadlines, one log line per request, Prometheus metrics.
// Answers 503 "loading" until a service is attached, so /health can say so while the model loads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "connection-watchdog.h"
#include "prometheus.h"
#include "service.h"

namespace ants::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                        // 0: any free port (bind() returns it)
  std::string api_key;                    // empty: no key needed
  size_t max_body_bytes = 64u << 20;      // 413 above it, before anything is decoded
  size_t max_images = 256;                // images per request (413 above it); texts per request too
  std::chrono::seconds request_timeout{60};  // whole request: reading the body and waiting for its scores
  int workers = 64;                       // connections served at once (keep-alive holds one each)
  bool log = true;                        // one line per request on stderr
};

class HttpApi {
 public:
  explicit HttpApi(HttpOptions options);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds the port (throws Error(io) naming host:port on failure) and returns it.
  int bind();
  // Serves until stop(); returns when the listener and every connection are done.
  void listen();
  void stop();
  bool running() const { return server_.is_running(); }
  void cut_idle_connections() { watchdog_.cut_idle(); }  // shutdown: keep-alive connections waiting for a request
  // From now on the routes answer with `service`; `classes` names its predictions.
  void attach(Service& service, std::vector<std::string> classes);

 private:
  void routes();
  Deadline request_deadline() const;  // of the request this thread serves: its start + --request-timeout
  void handle_score(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void handle_embed_images(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void handle_embed_texts(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void handle_stream(const httplib::Request& req, httplib::Response& res);
  void handle_threshold(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void handle_control(const httplib::Request& req, httplib::Response& res);
  void handle_metrics(httplib::Response& res);
  bool authorized(const httplib::Request& req) const;
  void record(const httplib::Request& req, const httplib::Response& res);

  HttpOptions options_;
  ConnectionWatchdog watchdog_;  // outlives the server and its task queue
  int listen_socket_ = -1;
  httplib::Server server_;
  std::atomic<Service*> service_{nullptr};
  std::vector<std::string> classes_;
  std::mutex metrics_mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) -> count
  std::map<std::string, Histogram> latency_;                  // route -> seconds
};

}  // namespace ants::server
