#include "http-api.h"

#include <ants/error.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "base64.h"
#include "stream-name.h"

namespace ants::server {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The request this worker thread serves: set before routing, read by the logger.
struct RequestContext {
  Clock::time_point start;
  size_t images = 0;
  bool unread_body = false;  // answered before its body was read: the connection must end
};
thread_local RequestContext g_request;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_content(dump({{"error", {{"code", code}, {"message", message}}}}), "application/json");
}

void send_json(httplib::Response& res, const json& j) { res.set_content(dump(j), "application/json"); }

// The status codes httplib answers itself, as this API's error objects.
std::pair<std::string, std::string> default_error(int status) {
  switch (status) {
    case 400: return {"bad_request", "the request could not be parsed"};
    case 401: return {"unauthorized", "missing or wrong API key"};
    case 404: return {"not_found", "no such route"};
    case 405: return {"method_not_allowed", "method not allowed on this route"};
    case 408: return {"request_timeout", "the request took too long"};
    case 413: return {"payload_too_large", "the request body is over --max-body-mb"};
    case 414: return {"uri_too_long", "the request line is too long"};
    case 415: return {"unsupported_media_type", "unsupported content type"};
    case 503: return {"unavailable", "the service is unavailable"};
    default: return {"http_" + std::to_string(status), "request failed"};
  }
}

// Constant-time comparison: the time taken does not depend on where the texts differ.
bool has_body(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

// The routes whose handlers read a body (through a content reader); every other route takes none.
bool takes_body(const httplib::Request& req) {
  if (req.method == "POST") return req.path.ends_with("/score") || req.path.rfind("/v1/embeddings/", 0) == 0;
  return req.method == "PUT" && req.path.ends_with("/threshold");
}

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& x = a.size() == b.size() ? a : b;  // compare b with itself when sizes differ
  for (size_t i = 0; i < b.size(); ++i) diff |= static_cast<unsigned char>(x[i] ^ b[i]);
  return diff == 0;
}

// The route template of a path, for metrics labels (never a stream name: they are unbounded).
std::string route_of(const std::string& path) {
  static const std::string prefix = "/v1/streams/";
  if (path.rfind(prefix, 0) == 0) {
    for (const char* tail : {"/score", "/reset", "/snapshot", "/threshold"})
      if (path.size() > prefix.size() && path.ends_with(tail)) return prefix + "{name}" + tail;
    return prefix + "{name}";
  }
  for (const char* known : {"/health", "/metrics", "/v1/streams", "/v1/embeddings/images", "/v1/embeddings/texts"})
    if (path == known) return known;
  return "other";
}

// Printable ASCII only, so a hostile path cannot forge log lines.
std::string printable(const std::string& s, size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return s.size() > max ? out + "..." : out;
}

// A request body as it arrives: whole (JSON, raw image) or as multipart parts named "images".
struct Body {
  std::string data;
  std::vector<httplib::MultipartFormData> images;
  int status = 0;  // 0: read; else the error to answer
  std::string code, message;
};

Body read_body(const httplib::Request& req, const httplib::Response& res, const httplib::ContentReader& reader, size_t max_images,
               size_t max_bytes, Clock::time_point deadline) {
  Body b;
  g_request.unread_body = true;
  const auto too_large = [&] {
    b.status = 413, b.code = "payload_too_large", b.message = "the request body is over --max-body-mb";
    return b;
  };
  size_t received = 0;
  const auto late = [&](size_t n) {
    received += n;
    if (received > max_bytes) {
      too_large();
      return true;
    }
    if (Clock::now() < deadline) return false;
    b.status = 408, b.code = "request_timeout", b.message = "the body did not arrive within the request deadline";
    return true;
  };
  bool keep = false;
  bool ok = false;
  if (req.is_multipart_form_data()) {
    ok = reader(
        [&](const httplib::MultipartFormData& part) {
          if (late(0)) return false;
          keep = part.name == "images";
          if (!keep) return true;
          if (b.images.size() >= max_images) {
            b.status = 413, b.code = "too_many_images", b.message = "more than --max-images images in one request";
            return false;
          }
          b.images.push_back(part);
          return true;
        },
        [&](const char* data, size_t n) {
          if (late(n)) return false;
          if (keep) b.images.back().content.append(data, n);
          return true;
        });
  } else {
    ok = reader([&](const char* data, size_t n) {
      if (late(n)) return false;
      b.data.append(data, n);
      return true;
    });
  }
  // httplib refuses a declared length over --max-body-mb itself (status 413, the body skipped).
  if (!ok && b.status == 0 && res.status == 413) too_large();
  if (!ok && b.status == 0)  // the read timed out (or the client went away: then nobody reads this)
    b.status = 408, b.code = "request_timeout", b.message = "the body stopped arriving";
  g_request.unread_body = !ok && res.status != 413;  // httplib skipped a too-large declared body itself
  return b;
}

// Images of a request in order, or an error; `bad` holds rows for images that are not even
// bytes (bad base64), by index.
struct Images {
  std::vector<ImageRef> refs;
  std::map<size_t, std::string> bad;
  int status = 0;
  std::string code, message;
};

std::string data_url_payload(const std::string& s) {
  if (s.rfind("data:", 0) != 0) return s;
  const size_t comma = s.find(',');
  return comma == std::string::npos ? s : s.substr(comma + 1);
}

Images images_of(const httplib::Request& req, Body& body, size_t max_images) {
  Images out;
  const auto fail = [&](int status, std::string code, std::string message) {
    out.status = status, out.code = std::move(code), out.message = std::move(message);
    return out;
  };
  if (req.is_multipart_form_data()) {
    for (size_t i = 0; i < body.images.size(); ++i) {
      auto& p = body.images[i];
      out.refs.push_back(ImageRef::memory(std::move(p.content), p.filename.empty() ? "image-" + std::to_string(i) : p.filename));
    }
  } else {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) == 0) {
      const json j = json::parse(body.data, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("images") || !j["images"].is_array())
        return fail(400, "bad_json", "expected {\"images\": [base64, ...]}");
      const json& list = j["images"];
      if (list.size() > max_images) return fail(413, "too_many_images", "more than --max-images images in one request");
      const json names = j.contains("names") && j["names"].is_array() ? j["names"] : json::array();
      for (size_t i = 0; i < list.size(); ++i) {
        std::string name = i < names.size() && names[i].is_string() ? names[i].get<std::string>() : "image-" + std::to_string(i);
        std::optional<std::string> bytes;
        if (list[i].is_string()) bytes = base64_decode(data_url_payload(list[i].get<std::string>()));
        if (!bytes) out.bad[i] = name + ": not a base64 string";
        out.refs.push_back(ImageRef::memory(bytes ? std::move(*bytes) : std::string(), name));
      }
    } else if (type.rfind("image/", 0) == 0) {
      std::string name = req.has_header("X-Image-Name") ? req.get_header_value("X-Image-Name") : "image-0";
      out.refs.push_back(ImageRef::memory(std::move(body.data), std::move(name)));
    } else {
      return fail(415, "unsupported_media_type",
                  "send multipart/form-data parts named images, JSON {\"images\": [base64]} or an image/* body");
    }
  }
  if (out.refs.empty()) return fail(400, "no_images", "the request holds no image");
  return out;
}

json row_json(const ScoredImage& r, const std::vector<std::string>& classes, std::optional<double> threshold) {
  if (!r.error.empty()) return {{"file", r.file}, {"error", r.error}};
  const std::string pred_name = r.pred >= 0 && static_cast<size_t>(r.pred) < classes.size() ? classes[r.pred] : "";
  return {{"file", r.file}, {"pred", r.pred}, {"pred_name", pred_name}, {"prob", r.prob}, {"score", r.score},
          {"ood", threshold ? json(r.score < *threshold) : json(nullptr)}};
}

bool wants_base64(const httplib::Request& req, const json& body = {}) {
  return req.get_param_value("encoding") == "base64" ||
         (body.is_object() && body.contains("encoding") && body["encoding"] == "base64");
}

json embedding_json(const std::vector<float>& v, bool base64) {
  if (base64) return base64_encode({reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)});
  return v;
}

}  // namespace

HttpApi::HttpApi(HttpOptions options) : options_(std::move(options)), watchdog_(options_.request_timeout) {
  const auto workers = static_cast<size_t>(std::max(options_.workers, 4));
  server_.new_task_queue = [this, workers] { return watchdog_.task_queue(workers); };
  server_.set_payload_max_length(options_.max_body_bytes);
  const auto read_timeout = std::min<std::chrono::seconds>(options_.request_timeout, std::chrono::seconds(10));
  server_.set_read_timeout(read_timeout.count(), 0);
  server_.set_write_timeout(options_.request_timeout.count(), 0);
  server_.set_keep_alive_timeout(5);
  server_.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind a port in use: only
  // SO_REUSEADDR (a restart need not wait for TIME_WAIT). The socket is kept for its backlog.
  server_.set_socket_options([this](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;
  });
  routes();
}

HttpApi::~HttpApi() { stop(); }

int HttpApi::bind() {
  const int port = options_.port == 0 ? server_.bind_to_any_port(options_.host)
                                      : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0)
    throw Error(ErrorCode::io, options_.host + ":" + std::to_string(options_.port) + ": cannot listen (in use, or not an address here)");
  // The packaged httplib listens with a backlog of 5: 32 clients connecting at once overflow it,
  // and connections the kernel answered with SYN cookies were reset. Listening again resizes it.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  watchdog_.set_port(port);
  return port;
}

void HttpApi::listen() { server_.listen_after_bind(); }

void HttpApi::stop() { server_.stop(); }

void HttpApi::attach(Service& service, std::vector<std::string> classes) {
  classes_ = std::move(classes);
  service_.store(&service);
}

bool HttpApi::authorized(const httplib::Request& req) const {
  if (options_.api_key.empty()) return true;
  const std::string given = req.get_header_value("Authorization");
  std::string scheme = given.substr(0, 7);  // "Bearer ", in any case (RFC 7235)
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string key = scheme == "bearer " ? given.substr(7) : std::string();
  return same_secret(key, options_.api_key);
}

void HttpApi::routes() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    g_request = {Clock::now(), 0, false};
    if (watchdog_.finished(req.remote_addr, req.remote_port)) {  // bytes after an unread body
      send_error(res, 400, "connection_closed", "this connection takes no more requests");
      return httplib::Server::HandlerResponse::Handled;
    }
    watchdog_.busy(req.remote_addr, req.remote_port);
    g_request.unread_body = has_body(req);  // until a handler reads it
    if (req.path != "/health" && !authorized(req)) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "unauthorized", "missing or wrong API key (Authorization: Bearer KEY)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!takes_body(req)) {
      if (g_request.unread_body) {
        send_error(res, 400, "unexpected_body", "this route takes no request body");
        return httplib::Server::HandlerResponse::Handled;
      }
      // A bodiless POST without Content-Length (curl -X POST) would otherwise be read until the
      // client closes; httplib's Request is ours to adjust before it reads.
      if (!req.has_header("Content-Length")) const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const auto [code, message] = default_error(res.status);
    send_error(res, res.status, code, message);
    return httplib::Server::HandlerResponse::Handled;
  }));
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "internal", what);
  });
  server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) { record(req, res); });

  server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (service_.load() == nullptr) return send_error(res, 503, "loading", "the model is loading");
    send_json(res, {{"status", "ok"}});
  });
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { handle_metrics(res); });
  server_.Get("/v1/streams", [this](const httplib::Request&, httplib::Response& res) {
    Service* s = service_.load();
    if (s == nullptr) return send_error(res, 503, "loading", "the model is loading");
    send_json(res, {{"streams", s->list()}});
  });
  server_.Get(R"(/v1/streams/(.*))", [this](const httplib::Request& req, httplib::Response& res) { handle_stream(req, res); });
  server_.Post(R"(/v1/streams/(.*)/score)",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 handle_score(req, res, reader);
               });
  server_.Post(R"(/v1/streams/(.*)/(reset|snapshot))",
               [this](const httplib::Request& req, httplib::Response& res) { handle_control(req, res); });
  server_.Put(R"(/v1/streams/(.*)/threshold)",
              [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                handle_threshold(req, res, reader);
              });
  server_.Post("/v1/embeddings/images",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 handle_embed_images(req, res, reader);
               });
  server_.Post("/v1/embeddings/texts",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 handle_embed_texts(req, res, reader);
               });
}

namespace {
// The stream named by the first capture, or false with 400 (or 503 while loading) answered.
bool stream_name(const httplib::Request& req, httplib::Response& res, Service* service, std::string& name) {
  if (service == nullptr) {
    send_error(res, 503, "loading", "the model is loading");
    return false;
  }
  name = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  if (valid_stream_name(name)) return true;
  send_error(res, 400, "invalid_stream_name", kStreamNameRule);
  return false;
}

// The answer to a call on a stream: its view, 404, or 504 when a detector batch held it too long.
void send_stream_outcome(httplib::Response& res, const Service* service, const std::string& name, Outcome outcome) {
  if (outcome == Outcome::no_stream) return send_error(res, 404, "no_such_stream", "no stream named " + name);
  if (outcome == Outcome::timed_out)
    return send_error(res, 504, "timeout", "the stream was busy with a detector batch past the request deadline; nothing changed");
  send_json(res, *service->info(name));
}

void send_model_timeout(httplib::Response& res) {
  send_error(res, 504, "timeout", "the model was busy past the request deadline; retry later");
}
}  // namespace

Deadline HttpApi::request_deadline() const { return g_request.start + options_.request_timeout; }

void HttpApi::handle_score(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  g_request.unread_body = has_body(req);
  Service* service = service_.load();
  std::string name;
  if (!stream_name(req, res, service, name)) return;
  const Deadline deadline = request_deadline();
  Body body = read_body(req, res, reader, options_.max_images, options_.max_body_bytes, deadline);
  if (body.status != 0) return send_error(res, body.status, body.code, body.message);
  Images images = images_of(req, body, options_.max_images);
  if (images.status != 0) return send_error(res, images.status, images.code, images.message);
  g_request.images = images.refs.size();
  Refusal refusal = Refusal::none;
  const auto ticket = service->submit(name, images.refs, refusal);
  if (refusal == Refusal::queue_full) {
    res.set_header("Retry-After", "1");
    return send_error(res, 503, "queue_full", "the queue is full (--max-queue); retry later");
  }
  if (refusal == Refusal::stopping) return send_error(res, 503, "shutting_down", "the server is shutting down");
  if (refusal == Refusal::too_large)
    return send_error(res, 413, "too_many_images", "more images than the whole queue holds (--max-queue)");
  if (refusal == Refusal::too_many_streams)
    return send_error(res, 429, "too_many_streams", "the server holds --max-streams streams; use an existing one");
  if (!ticket->wait_until(deadline))
    return send_error(res, 504, "timeout", "the images were not scored within the request deadline; they stay queued");
  json rows = json::array();
  const auto scored = ticket->rows();
  for (size_t i = 0; i < scored.size(); ++i) {
    auto bad = images.bad.find(i);
    rows.push_back(bad != images.bad.end() ? json{{"file", scored[i].file}, {"error", bad->second}}
                                           : row_json(scored[i], classes_, ticket->threshold(i)));
  }
  send_json(res, {{"rows", rows}});
}

void HttpApi::handle_stream(const httplib::Request& req, httplib::Response& res) {
  Service* service = service_.load();
  std::string name;
  if (!stream_name(req, res, service, name)) return;
  auto info = service->info(name);
  if (!info) return send_error(res, 404, "no_such_stream", "no stream named " + name);
  send_json(res, *info);
}

void HttpApi::handle_control(const httplib::Request& req, httplib::Response& res) {
  Service* service = service_.load();
  std::string name;
  if (!stream_name(req, res, service, name)) return;
  const std::string action = req.matches[2].str();
  if (action == "snapshot" && service->options().state_dir.empty())
    return send_error(res, 409, "no_state_dir", "the server was started without --state-dir");
  const Deadline deadline = request_deadline();
  Outcome outcome = Outcome::done;
  try {
    outcome = action == "reset" ? service->reset(name, deadline) : service->snapshot(name, deadline);
  } catch (const std::exception& e) {  // the detail (a server path) goes to the log, not the client
    if (options_.log) std::fprintf(stderr, "ants: serve: error: %s of stream %s: %s\n", action.c_str(), name.c_str(), e.what());
    return send_error(res, 500, "save_failed", "the stream's state could not be saved (see the server's log)");
  }
  send_stream_outcome(res, service, name, outcome);
}

void HttpApi::handle_threshold(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  g_request.unread_body = has_body(req);
  Service* service = service_.load();
  std::string name;
  if (!stream_name(req, res, service, name)) return;
  Body body = read_body(req, res, reader, 0, options_.max_body_bytes, request_deadline());
  if (body.status != 0) return send_error(res, body.status, body.code, body.message);
  const json j = json::parse(body.data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("threshold") ||
      !(j["threshold"].is_number() || j["threshold"].is_null()))
    return send_error(res, 400, "bad_json", "expected {\"threshold\": number or null}");
  const std::optional<double> t = j["threshold"].is_null() ? std::nullopt : std::optional<double>(j["threshold"].get<double>());
  send_stream_outcome(res, service, name, service->set_threshold(name, t, request_deadline()));
}

void HttpApi::handle_embed_images(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  g_request.unread_body = has_body(req);
  Service* service = service_.load();
  if (service == nullptr) return send_error(res, 503, "loading", "the model is loading");
  Body body = read_body(req, res, reader, options_.max_images, options_.max_body_bytes, request_deadline());
  if (body.status != 0) return send_error(res, body.status, body.code, body.message);
  Images images = images_of(req, body, options_.max_images);
  if (images.status != 0) return send_error(res, images.status, images.code, images.message);
  g_request.images = images.refs.size();
  const bool b64 = wants_base64(req, json::parse(body.data, nullptr, false));
  const auto embedded = service->embed_images(images.refs, request_deadline());
  if (!embedded) return send_model_timeout(res);
  json out = json::array();
  for (size_t i = 0; i < embedded->size(); ++i) {
    const auto& e = (*embedded)[i];
    auto bad = images.bad.find(i);
    if (bad != images.bad.end()) out.push_back({{"file", e.file}, {"error", bad->second}});
    else if (!e.error.empty()) out.push_back({{"file", e.file}, {"error", e.error}});
    else out.push_back({{"file", e.file}, {"embedding", embedding_json(e.embedding, b64)}});
  }
  send_json(res, {{"embeddings", out}, {"encoding", b64 ? "base64" : "float"}});
}

void HttpApi::handle_embed_texts(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  g_request.unread_body = has_body(req);
  Service* service = service_.load();
  if (service == nullptr) return send_error(res, 503, "loading", "the model is loading");
  Body body = read_body(req, res, reader, 0, options_.max_body_bytes, request_deadline());
  if (body.status != 0) return send_error(res, body.status, body.code, body.message);
  const json j = json::parse(body.data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("texts") || !j["texts"].is_array())
    return send_error(res, 400, "bad_json", "expected {\"texts\": [string, ...]}");
  std::vector<std::string> texts;
  for (const auto& t : j["texts"]) {
    if (!t.is_string()) return send_error(res, 400, "bad_json", "every text must be a string");
    texts.push_back(t.get<std::string>());
  }
  if (texts.empty()) return send_error(res, 400, "no_texts", "the request holds no text");
  if (texts.size() > options_.max_images) return send_error(res, 413, "too_many_texts", "more than --max-images texts in one request");
  const bool b64 = wants_base64(req, j);
  const auto m = service->embed_texts(texts, request_deadline());
  if (!m) return send_model_timeout(res);
  json out = json::array();
  for (size_t r = 0; r < m->rows; ++r) out.push_back(embedding_json(m->row_vector(r), b64));
  send_json(res, {{"embeddings", out}, {"dim", m->dim}, {"encoding", b64 ? "base64" : "float"}});
}

void HttpApi::record(const httplib::Request& req, const httplib::Response& res) {
  watchdog_.idle(req.remote_addr, req.remote_port);
  if (g_request.unread_body) watchdog_.finish(req.remote_addr, req.remote_port);
  const double seconds = std::chrono::duration<double>(Clock::now() - g_request.start).count();
  const std::string route = route_of(req.path);
  {
    std::lock_guard lock(metrics_mu_);
    requests_[{route, res.status}] += 1;
    auto it = latency_.find(route);
    if (it == latency_.end())
      it = latency_.emplace(route, Histogram({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})).first;
    it->second.observe(seconds);
  }
  if (options_.log)
    std::fprintf(stderr, "ants: serve: %s %s %d %zu images %.1f ms\n", printable(req.method, 16).c_str(),
                 printable(req.path).c_str(), res.status, g_request.images, seconds * 1e3);
  g_request = {Clock::now(), 0, false};  // answers httplib writes before routing (400, 414) start here
}

void HttpApi::handle_metrics(httplib::Response& res) {
  std::string out;
  {
    std::lock_guard lock(metrics_mu_);
    write_family(out, "ants_http_requests_total", "counter", "HTTP requests by route and status");
    for (const auto& [key, n] : requests_)
      write_sample(out, "ants_http_requests_total", label("route", key.first) + "," + label("status", std::to_string(key.second)),
                   static_cast<double>(n));
    write_family(out, "ants_http_request_duration_seconds", "histogram", "request latency in seconds, by route");
    for (const auto& [route, h] : latency_) h.write(out, "ants_http_request_duration_seconds", label("route", route));
  }
  write_family(out, "ants_http_connections_cut_total", "counter", "connections cut for a request head slower than the deadline");
  write_sample(out, "ants_http_connections_cut_total", "", static_cast<double>(watchdog_.cut()));
  Service* service = service_.load();
  write_family(out, "ants_up", "gauge", "1 when the model is loaded");
  write_sample(out, "ants_up", "", service ? 1 : 0);
  if (service == nullptr) return res.set_content(out, "text/plain; version=0.0.4");
  const ServiceCounters c = service->counters();
  const auto counter = [&](const char* name, const char* help, double v) {
    write_family(out, name, "counter", help);
    write_sample(out, name, "", v);
  };
  const auto gauge = [&](const char* name, const char* help, double v) {
    write_family(out, name, "gauge", help);
    write_sample(out, name, "", v);
  };
  counter("ants_images_scored_total", "images scored", static_cast<double>(c.images_scored));
  counter("ants_image_errors_total", "images that could not be read (error rows)", static_cast<double>(c.image_errors));
  gauge("ants_images_per_second", "images scored per second over the last 10 s", c.images_per_second);
  counter("ants_forward_passes_total", "CLIP forward passes", static_cast<double>(c.forward_passes));
  counter("ants_detector_batches_total", "detector batches scored", static_cast<double>(c.detector_batches));
  write_family(out, "ants_forward_batch_size", "histogram", "images per CLIP forward pass (dynamic batching)");
  c.forward_sizes.write(out, "ants_forward_batch_size", "");
  write_family(out, "ants_detector_batch_size", "histogram", "images per detector batch");
  c.detector_sizes.write(out, "ants_detector_batch_size", "");
  gauge("ants_queue_images", "images waiting for CLIP", static_cast<double>(service->queued()));
  counter("ants_snapshots_total", "stream snapshots written", static_cast<double>(c.snapshots));
  counter("ants_snapshot_failures_total", "stream snapshots that failed", static_cast<double>(c.snapshot_failures));
  const MllmStats m = service->mllm_stats();
  counter("ants_mllm_requests_total", "HTTP requests to the MLLM server, retries included", static_cast<double>(m.requests));
  counter("ants_mllm_failures_total", "MLLM calls without a usable answer", static_cast<double>(m.failures));
  counter("ants_mllm_breaker_trips_total", "times an MLLM circuit opened", m.breaker_trips);
  gauge("ants_mllm_breaker_open", "1 while some stream's MLLM circuit is open", m.degraded ? 1 : 0);
  const auto streams = service->gauges();
  gauge("ants_streams", "streams", static_cast<double>(streams.size()));
  using G = Service::Gauges;
  const std::vector<std::tuple<const char*, const char*, double G::*>> per_stream{
      {"ants_stream_images_seen", "images a stream has scored", &G::images_seen},
      {"ants_stream_gamma", "the stream's candidate threshold gamma", &G::gamma},
      {"ants_stream_lambda", "the stream's fusion weight lambda", &G::lambda},
      {"ants_stream_ens_rows", "rows of the stream's ENS bank", &G::ens_rows},
      {"ants_stream_vsnl_rows", "rows of the stream's VSNL bank", &G::vsnl_rows},
  };
  for (const auto& [name, help, field] : per_stream) {
    write_family(out, name, "gauge", help);
    for (const auto& g : streams) write_sample(out, name, label("stream", g.name), g.*field);
  }
  res.set_content(out, "text/plain; version=0.0.4");
}

}  // namespace ants::server
