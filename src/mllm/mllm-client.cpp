// The MLLM client: answers from the replay file, the answer cache, or the server (on the worker
// threads, with retries, backoff and the circuit breaker), then parsed. See ants/mllm.h.
#include <ants/mllm-client.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "core/cache-dir.h"
#include "core/error.h"
#include "core/hash.h"
#include "mllm/answer-cache.h"
#include "mllm/answer-parse.h"
#include "mllm/chat-request.h"
#include "mllm/circuit-breaker.h"
#include "mllm/client-stats.h"
#include "mllm/http-transport.h"
#include "mllm/image-upload.h"
#include "mllm/prompts.h"
#include "mllm/replay-log.h"
#include "mllm/worker-pool.h"

namespace ants {
namespace mllm {
namespace {

constexpr double kMaxBackoffS = 8;
constexpr const char* kChatPath = "/v1/chat/completions";

enum class Kind { describe, similar, text };
const char* kind_name(Kind k) { return k == Kind::describe ? "describe" : k == Kind::similar ? "similar" : "envision"; }

// One describe image, similar class or text prompt, from request to reply.
struct Item {
  Kind kind = Kind::describe;
  ImageRef image;
  std::string cls;     // the class named in the prompt (may be empty for describe)
  std::string prompt;  // after substitution
  std::string key;
  std::string model;
  MllmReply reply;
};

// Counts down the items a synchronous call waits for.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  void count_down() {
    std::lock_guard lock(mu);
    if (--remaining == 0) cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return remaining == 0; });
  }
};

void validate(const MllmOptions& o) {
  auto bad = [](const std::string& what) { core::fail(ErrorCode::invalid_argument, "MLLM options", what); };
  if (o.url.empty() && o.replay_path.empty()) bad("give a server URL or a replay file");
  if (!(o.timeout_s > 0) || o.timeout_s > 86400) bad("timeout must be in (0, 86400] seconds");
  if (o.retries < 0 || o.retries > 100) bad("retries must be in 0..100");
  if (o.parallel < 1 || o.parallel > 256) bad("parallel must be in 1..256");
  if (o.image_size < 8 || o.image_size > 8192) bad("image size must be in 8..8192 pixels");
  if (o.jpeg_quality < 1 || o.jpeg_quality > 100) bad("JPEG quality must be in 1..100");
  if (o.max_tokens_ens < 1 || o.max_tokens_vsnl < 1 || o.max_tokens_text < 1) bad("max tokens must be at least 1");
  if (o.breaker_failures < 1 || o.breaker_cooldown_s < 0 || o.backoff_s < 0) bad("breaker and backoff settings must be positive");
  for (const auto& [k, v] : o.headers)
    if (k.empty() || k.find_first_of(":\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos)
      bad("header '" + k + "' is not a valid HTTP header");
}

}  // namespace

class HttpMllm final : public MllmClient {
 public:
  explicit HttpMllm(const MllmOptions& o);
  ~HttpMllm() override;

  std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>& classes) override;
  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) override;
  MllmLateAnswers poll() override;
  std::vector<MllmReply> describe_detailed(const std::vector<ImageRef>& images,
                                           const std::vector<std::string>& classes) override;
  std::vector<MllmReply> similar_detailed(const std::vector<std::string>& classes) override;
  std::vector<std::optional<std::string>> complete(const std::vector<std::string>& prompts) override;
  MllmParse parse_mode() const override { return opt_.parse; }
  bool supports_complete() const override { return true; }
  std::vector<std::string> models() override;
  MllmStats stats() const override { return stats_.snapshot(breaker_.trips(), breaker_.open()); }
  void drain() override { pool_.wait_idle(); }
  bool sync() const override { return opt_.sync; }
  std::string prompt_origin(const std::string& kind) const override { return kind == "vsnl" ? vsnl_.origin : ens_.origin; }

 private:
  std::vector<Item> describe_items(const std::vector<ImageRef>& images, const std::vector<std::string>& classes);
  std::vector<Item> similar_items(const std::vector<std::string>& classes);
  int max_tokens(const Item& it) const;
  void run(std::vector<Item>& items, bool wait);
  void submit_async(const Item& item);
  bool prepare(Item& it);
  bool answer_locally(Item& it);
  void ask_server(Item& it, int worker);
  bool attempt_loop(Item& it, const std::string& body, int worker);
  void finish(Item& it, const std::string& raw, bool from_server);
  bool resolve_model(std::string& model, std::string& error);
  HttpSettings http_settings() const;
  HttpTransport& transport(int worker);
  void fail(Item& it, std::string error);
  bool sleep_unless_stopping(double seconds);

  MllmOptions opt_;
  std::optional<BaseUrl> base_;
  PromptTemplate system_, ens_, vsnl_;
  std::unique_ptr<AnswerCache> cache_;
  std::unique_ptr<ReplayLog> replay_;
  std::unique_ptr<RecordLog> record_;
  CircuitBreaker breaker_;
  ClientStats stats_;
  std::mutex model_mu_;
  std::string model_;
  std::mutex late_mu_;
  MllmLateAnswers late_;
  std::unordered_set<std::string> in_flight_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<HttpTransport>> transports_;  // one per worker, made by that worker
  WorkerPool pool_;  // last: its threads use everything above
};

HttpMllm::HttpMllm(const MllmOptions& o)
    : opt_(o), breaker_(o.breaker_failures, o.breaker_cooldown_s), transports_(static_cast<size_t>(o.parallel)), pool_(o.parallel) {
  if (!opt_.url.empty()) base_ = parse_base_url(opt_.url);
  system_ = builtin_template("system");
  system_.text = render_prompt(system_, "");  // the message as sent, without the file's final newline
  ens_ = load_template("ens", opt_.prompt_ens, false);
  vsnl_ = load_template("vsnl", opt_.prompt_vsnl, true);
  if (!opt_.replay_path.empty()) replay_ = std::make_unique<ReplayLog>(opt_.replay_path);
  if (!opt_.record_path.empty()) record_ = std::make_unique<RecordLog>(opt_.record_path);
  if (opt_.cache) {
    const std::filesystem::path dir = core::default_cache_dir();
    const std::filesystem::path path = opt_.cache_path ? *opt_.cache_path : dir.empty() ? dir : dir / "mllm-answers.sqlite";
    if (!path.empty()) cache_ = std::make_unique<AnswerCache>(path);
  }
}

HttpMllm::~HttpMllm() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  pool_.stop();
}

// ---- calls -------------------------------------------------------------------------------------

std::vector<Item> HttpMllm::describe_items(const std::vector<ImageRef>& images,
                                           const std::vector<std::string>& classes) {
  std::vector<Item> items(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    items[i].image = images[i];
    items[i].cls = i < classes.size() ? classes[i] : std::string();
    items[i].prompt = render_prompt(ens_, items[i].cls);
  }
  return items;
}

std::vector<Item> HttpMllm::similar_items(const std::vector<std::string>& classes) {
  std::vector<Item> items(classes.size());
  for (size_t i = 0; i < classes.size(); ++i) {
    items[i].kind = Kind::similar;
    items[i].cls = classes[i];
    items[i].prompt = render_prompt(vsnl_, classes[i]);
  }
  return items;
}

std::vector<std::optional<std::string>> HttpMllm::describe(const std::vector<ImageRef>& images,
                                                           const std::vector<std::string>& classes) {
  std::vector<std::optional<std::string>> out(images.size());
  try {
    std::vector<Item> items = describe_items(images, classes);
    run(items, opt_.sync);
    for (size_t i = 0; i < items.size(); ++i) out[i] = std::move(items[i].reply.text);
  } catch (const std::exception& e) {  // never into the detection loop
    stats_.fail(e.what());
  }
  return out;
}

std::vector<std::optional<std::vector<std::string>>> HttpMllm::similar(const std::vector<std::string>& classes) {
  std::vector<std::optional<std::vector<std::string>>> out(classes.size());
  try {
    std::vector<Item> items = similar_items(classes);
    run(items, opt_.sync);
    for (size_t i = 0; i < items.size(); ++i) out[i] = std::move(items[i].reply.labels);
  } catch (const std::exception& e) {
    stats_.fail(e.what());
  }
  return out;
}

std::vector<MllmReply> HttpMllm::describe_detailed(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>& classes) {
  std::vector<Item> items = describe_items(images, classes);
  run(items, true);
  std::vector<MllmReply> out;
  for (auto& it : items) out.push_back(std::move(it.reply));
  return out;
}

std::vector<MllmReply> HttpMllm::similar_detailed(const std::vector<std::string>& classes) {
  std::vector<Item> items = similar_items(classes);
  run(items, true);
  std::vector<MllmReply> out;
  for (auto& it : items) out.push_back(std::move(it.reply));
  return out;
}

// Text-only prompts are asked synchronously, in order, without the system message or an image,
// and answered with the server's text as it is (callers parse it).
std::vector<std::optional<std::string>> HttpMllm::complete(const std::vector<std::string>& prompts) {
  std::vector<std::optional<std::string>> out(prompts.size());
  try {
    std::vector<Item> items(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      items[i].kind = Kind::text;
      items[i].prompt = prompts[i];
    }
    run(items, true);
    for (size_t i = 0; i < items.size(); ++i) out[i] = std::move(items[i].reply.text);
  } catch (const std::exception& e) {  // never into the caller's loop
    stats_.fail(e.what());
  }
  return out;
}

int HttpMllm::max_tokens(const Item& it) const {
  return it.kind == Kind::describe ? opt_.max_tokens_ens : it.kind == Kind::similar ? opt_.max_tokens_vsnl : opt_.max_tokens_text;
}

MllmLateAnswers HttpMllm::poll() {
  MllmLateAnswers out;
  {
    std::lock_guard lock(late_mu_);
    std::swap(out, late_);
  }
  stats_.late_answers += static_cast<int64_t>(out.descriptions.size() + out.similar.size());
  return out;
}

// Local answers first; the rest go to the workers. Sync: waits for them. Async: they arrive
// through poll(); an item already in flight is not asked twice.
void HttpMllm::run(std::vector<Item>& items, bool wait) {
  std::vector<Item*> remote;
  for (auto& it : items) {
    ++stats_.calls;
    if (!prepare(it) || answer_locally(it)) continue;
    remote.push_back(&it);
  }
  if (remote.empty()) return;
  if (!wait) {
    for (Item* it : remote) {
      submit_async(*it);
      it->reply.error = "pending";
    }
    return;
  }
  Latch latch;
  latch.remaining = remote.size();
  for (Item* it : remote) {
    pool_.submit([this, it, &latch](int worker) {
      if (worker < 0) fail(*it, "client closed");
      else ask_server(*it, worker);
      latch.count_down();
    });
  }
  latch.wait();
}

void HttpMllm::submit_async(const Item& item) {
  {
    std::lock_guard lock(late_mu_);
    if (!in_flight_.insert(item.key).second) return;
  }
  auto it = std::make_shared<Item>(item);
  pool_.submit([this, it](int worker) {
    if (worker < 0) fail(*it, "client closed");
    else ask_server(*it, worker);
    std::lock_guard lock(late_mu_);
    in_flight_.erase(it->key);
    if (it->reply.text) late_.descriptions.push_back(*it->reply.text);
    if (it->reply.labels) late_.similar.emplace_back(it->cls, *it->reply.labels);
  });
}

// The model name and the call key; false (with the item failed) when either is unknown.
bool HttpMllm::prepare(Item& it) {
  std::string error;
  if (!resolve_model(it.model, error)) {
    fail(it, error);
    return false;
  }
  const bool text = it.kind == Kind::text;
  CallKey k{kind_name(it.kind), it.model, text ? "" : system_.text, it.prompt,
            it.kind == Kind::describe ? ens_.hash : it.kind == Kind::similar ? vsnl_.hash : "", max_tokens(it),
            opt_.seed, 0, it.cls};
  if (it.kind == Kind::describe) {
    try {
      k.subject = it.image.content_hash();
    } catch (const Error& e) {
      fail(it, e.what());
      return false;
    }
    k.image_size = opt_.image_size;
  } else if (it.kind == Kind::similar && opt_.vsnl_placeholder_image) {
    k.image_size = 28;
  }
  it.key = call_key(k);
  return true;
}

bool HttpMllm::answer_locally(Item& it) {
  if (replay_) {
    if (auto a = replay_->find(it.key)) {
      ++stats_.replay_hits;
      finish(it, *a, false);
      return true;
    }
  }
  if (cache_) {
    if (auto a = cache_->get(it.key)) {
      ++stats_.cache_hits;
      finish(it, *a, false);
      return true;
    }
  }
  if (!base_) {
    fail(it, opt_.replay_path.string() + ": no recorded answer for this " +
                 (it.kind == Kind::describe ? "image" : it.kind == Kind::similar ? "class" : "prompt") +
                 " (and no server URL)");
    return true;
  }
  return false;
}

// ---- the server ----------------------------------------------------------------------------------

void HttpMllm::ask_server(Item& it, int worker) {
  std::string image_url;
  try {
    if (it.kind == Kind::describe) image_url = image_data_url(it.image, opt_.image_size, opt_.jpeg_quality);
    else if (it.kind == Kind::similar && opt_.vsnl_placeholder_image) image_url = placeholder_data_url();
  } catch (const std::exception& e) {
    fail(it, e.what());
    return;
  }
  const ChatRequest req{it.model, it.kind == Kind::text ? "" : system_.text, it.prompt, image_url, max_tokens(it),
                        opt_.seed};
  if (attempt_loop(it, chat_request_body(req), worker)) finish(it, it.reply.raw, true);
  else stats_.fail(it.reply.error);
}

// Up to 1 + retries attempts; true with reply.raw set on an answer.
bool HttpMllm::attempt_loop(Item& it, const std::string& body, int worker) {
  const std::string url = base_->text() + kChatPath;
  for (int attempt = 0;; ++attempt) {
    if (!breaker_.allow()) {
      if (attempt == 0) it.reply.error = url + ": not called: the server failed repeatedly (circuit open)";
      return false;
    }
    ++stats_.requests;
    if (attempt > 0) ++stats_.retries;
    const HttpResult r = transport(worker).post_json(kChatPath, body);
    bool retryable = true;
    if (!r.error.empty()) {
      it.reply.error = r.error;
    } else if (r.status != 200) {
      it.reply.error = url + ": HTTP " + std::to_string(r.status) + (r.body.empty() ? "" : ": " + sanitize_utf8(r.body.substr(0, 200)));
      retryable = r.status == 408 || r.status == 429 || r.status >= 500;
    } else if (ChatAnswer a = read_chat_answer(r.body); a.content) {
      breaker_.record_success();
      it.reply.raw = std::move(*a.content);
      return true;
    } else {
      it.reply.error = url + ": " + a.error;
      retryable = false;
    }
    breaker_.record_failure();
    if (!retryable || attempt >= opt_.retries) return false;
    const double backoff = std::min(kMaxBackoffS, opt_.backoff_s * std::ldexp(1.0, attempt));
    if (!sleep_unless_stopping(r.retry_after_s >= 0 ? std::min(kMaxBackoffS, r.retry_after_s) : backoff)) return false;
  }
}

void HttpMllm::finish(Item& it, const std::string& raw, bool from_server) {
  it.reply.raw = raw;
  const bool empty = raw.find_first_not_of(" \t\r\n") == std::string::npos;
  if (from_server && cache_ && !empty) cache_->put(it.key, kind_name(it.kind), it.model, raw);
  if (record_ && !empty) record_->append(kind_name(it.kind), it.key, it.model, raw);
  if (it.kind == Kind::describe) it.reply.text = parse_description(raw, opt_.parse);
  else if (it.kind == Kind::similar) it.reply.labels = parse_similar(raw, opt_.parse, it.cls);
  else if (!empty) it.reply.text = raw;
  if (it.reply.text || it.reply.labels) {
    it.reply.error.clear();
    return;
  }
  fail(it, empty ? "empty answer" : std::string(it.kind == Kind::describe ? "no description" : "no class names") + " in the answer: " +
                                        sanitize_utf8(raw.substr(0, 120)));
}

void HttpMllm::fail(Item& it, std::string error) {
  it.reply.error = std::move(error);
  stats_.fail(it.reply.error);
}

bool HttpMllm::sleep_unless_stopping(double seconds) {
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
  return !stopping_;
}

HttpSettings HttpMllm::http_settings() const {
  return HttpSettings{*base_, opt_.headers, opt_.api_key, opt_.timeout_s, opt_.max_response_bytes};
}

HttpTransport& HttpMllm::transport(int worker) {
  auto& t = transports_[static_cast<size_t>(worker)];
  if (!t) t = std::make_unique<HttpTransport>(http_settings());
  return *t;
}

// --model, else the replay file's only model, else the server's only model (asked once).
bool HttpMllm::resolve_model(std::string& model, std::string& error) {
  if (!opt_.model.empty()) return model = opt_.model, true;
  std::lock_guard lock(model_mu_);
  if (!model_.empty()) return model = model_, true;
  if (replay_ && !replay_->only_model().empty()) return model = model_ = replay_->only_model(), true;
  if (!base_) return error = opt_.replay_path.string() + ": names no single model; give one with --mllm-model", false;
  if (!breaker_.allow()) return error = base_->text() + ": not asked for its models, the server failed repeatedly", false;
  try {
    const std::vector<std::string> ids = models();
    if (ids.size() != 1)
      return error = base_->text() + ": offers " + std::to_string(ids.size()) + " models; name one with --mllm-model", false;
    breaker_.record_success();
    return model = model_ = ids[0], true;
  } catch (const std::exception& e) {
    breaker_.record_failure();
    return error = e.what(), false;
  }
}

std::vector<std::string> HttpMllm::models() {
  if (!base_) core::fail(ErrorCode::invalid_argument, "MLLM", "no server URL");
  HttpTransport t(http_settings());
  ++stats_.requests;
  const HttpResult r = t.get("/v1/models");
  const std::string url = base_->text() + "/v1/models";
  if (!r.error.empty()) core::fail(ErrorCode::io, "", r.error);
  if (r.status != 200) core::fail(ErrorCode::io, url, "HTTP " + std::to_string(r.status));
  return read_model_list(r.body, url);
}

}  // namespace mllm

std::unique_ptr<MllmClient> make_mllm_client(const MllmOptions& options) {
  mllm::validate(options);
  MllmOptions o = options;
  if (o.api_key.empty())
    if (const char* key = std::getenv("ANTS_MLLM_API_KEY"); key != nullptr) o.api_key = key;
  return std::make_unique<mllm::HttpMllm>(o);
}

}  // namespace ants
