#include "service.h"

#include <algorithm>
#include <atomic>
#include <set>

#include "stream-name.h"

namespace ants::server {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

bool Ticket::wait_until(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [this] { return left_ == 0; });
}

std::vector<ScoredImage> Ticket::rows() const {
  std::lock_guard lock(mu_);
  return rows_;
}

std::optional<double> Ticket::threshold(size_t index) const {
  std::lock_guard lock(mu_);
  return thresholds_.at(index);
}

void Ticket::fill(size_t index, ScoredImage row, std::optional<double> threshold) {
  std::lock_guard lock(mu_);
  rows_[index] = std::move(row);
  thresholds_[index] = threshold;
  if (--left_ == 0) cv_.notify_all();
}

namespace {

// The service's model for the scorers' text encodings (ID prompts, ENS sentences, VSNL labels):
// one CLIP call at a time with the engine's image passes, held only while encoding.
class LockedTextModel : public TextModel {
 public:
  LockedTextModel(const ClipModel& model, std::timed_mutex& mu) : model_(model), mu_(mu) {}
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int batch, const ProgressFn& progress) const override {
    std::lock_guard lock(mu_);
    return model_.encode_texts(texts, batch, progress);
  }
  FeatureMatrix encode_texts_unnormalized(const std::vector<std::string>& texts, int batch,
                                          const ProgressFn& progress) const override {
    std::lock_guard lock(mu_);
    return model_.encode_texts_unnormalized(texts, batch, progress);
  }
  const std::string& fingerprint() const override { return model_.fingerprint(); }
  float logit_scale() const override { return model_.logit_scale(); }
  int embed_dim() const override { return model_.embed_dim(); }
  int threads() const override { return model_.threads(); }

 private:
  const ClipModel& model_;
  std::timed_mutex& mu_;
};

}  // namespace

// Everything of a stream but `queued` and `last_arrival` (the service lock's) and its cached
// view (`view_mu`) is the engine's and guarded by `mu`.
struct Service::Stream {
  std::string name;
  StreamParts parts;
  std::string setup;  // stream_setup(): what a snapshot must match
  std::timed_mutex mu;
  std::optional<double> threshold;
  std::vector<ImageEmbedding> pending;  // embedded, waiting for their detector batch
  std::vector<ImageRef> pending_refs;
  std::vector<std::pair<std::shared_ptr<Ticket>, size_t>> pending_tickets;
  uint64_t images_seen = 0, batches_seen = 0;
  int since_snapshot = 0;
  json far_history = json::array(), near_history = json::array();  // {"label", "batch"}
  std::set<std::string> blobs;  // content hashes of its candidates' bytes under state_dir/images
  size_t queued = 0;
  Clock::time_point last_arrival;
  std::atomic<size_t> pending_n{0};
  mutable std::mutex view_mu;  // what info() and /metrics read, so they never wait for a batch
  json view;
  Gauges gauges;

  json extra() const {
    return {{"batches", batches_seen}, {"threshold", threshold ? json(*threshold) : json(nullptr)},
            {"far_labels", far_history}, {"near_labels", near_history}};
  }
  void read_extra(const json& e) {
    batches_seen = e.value("batches", uint64_t{0});
    const json& t = e.contains("threshold") ? e.at("threshold") : json(nullptr);
    threshold = t.is_number() ? std::optional<double>(t.get<double>()) : std::nullopt;
    far_history = e.value("far_labels", json::array());
    near_history = e.value("near_labels", json::array());
  }
};

Service::Service(const ClipModel& model, StreamFactory factory, ServiceOptions options)
    : model_(model), text_(std::make_unique<LockedTextModel>(model, model_mu_)), factory_(std::move(factory)),
      options_(std::move(options)) {
  if (options_.batch == 0) options_.batch = 1;
  if (options_.embed.infer_batch < 1) options_.embed.infer_batch = 1;
  if (!options_.state_dir.empty()) fs::create_directories(options_.state_dir);
  engine_ = std::thread([this] { engine(); });
}

Service::~Service() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (engine_.joinable()) engine_.join();
}

fs::path Service::state_path(const std::string& name) const { return options_.state_dir / (name + ".state"); }

// Builds (and restores) a stream without holding the service lock: a scorer embeds its ID
// prompts, which takes the model from the engine for a while.
Service::Stream* Service::obtain(const std::string& name) {
  if (Stream* s = find(name)) return s;
  std::lock_guard create_lock(create_mu_);
  if (Stream* s = find(name)) return s;
  {
    std::lock_guard lock(mu_);
    if (streams_.size() >= options_.max_streams) return nullptr;
  }
  auto s = std::make_unique<Stream>();
  s->name = name;
  s->parts = factory_(*text_);
  s->setup = stream_setup(*s->parts.scorer, options_.embed, options_.batch, {});
  if (!options_.state_dir.empty()) {
    if (auto loaded = load_checkpoint(state_path(name), s->setup, *s->parts.scorer)) {
      s->images_seen = loaded->consumed;
      if (!loaded->extra.empty()) s->read_extra(json::parse(loaded->extra));
      relink_blobs(*s);
    }
  }
  refresh(*s);
  std::lock_guard lock(mu_);
  return streams_.emplace(name, std::move(s)).first->second.get();
}

void Service::create(const std::string& name) {
  if (!valid_stream_name(name)) throw Error(ErrorCode::invalid_argument, "stream name '" + name + "': " + kStreamNameRule);
  if (obtain(name) == nullptr)
    throw Error(ErrorCode::invalid_argument, "stream " + name + ": more than --max-streams " + std::to_string(options_.max_streams));
}

void Service::restore_all() {
  if (options_.state_dir.empty()) return;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(options_.state_dir)) {
    const fs::path p = e.path();
    if (e.is_regular_file() && p.extension() == ".state" && valid_stream_name(p.stem().string()))
      names.push_back(p.stem().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) create(n);
  std::lock_guard blob_lock(blob_mu_);
  std::set<std::string> orphans;  // left by a crash between a blob and its snapshot, or unfinished
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(blob_dir(), ec)) orphans.insert(e.path().filename().string());
  drop_blobs(orphans);
}

std::shared_ptr<Ticket> Service::submit(const std::string& name, std::vector<ImageRef> images, Refusal& refusal) {
  const auto refuse = [&] {
    refusal = stopping_                                             ? Refusal::stopping
              : images.size() > options_.max_queue                  ? Refusal::too_large
              : queue_.size() + images.size() > options_.max_queue ? Refusal::queue_full
                                                                    : Refusal::none;
    return refusal != Refusal::none;
  };
  std::unique_lock lock(mu_);
  if (refuse()) return nullptr;
  lock.unlock();
  Stream* created = obtain(name);
  if (created == nullptr) {
    refusal = Refusal::too_many_streams;
    return nullptr;
  }
  Stream& s = *created;
  lock.lock();
  if (refuse()) return nullptr;
  auto ticket = std::make_shared<Ticket>(images.size());
  const auto now = Clock::now();
  for (size_t i = 0; i < images.size(); ++i) queue_.push_back({&s, std::move(images[i]), ticket, i, now});
  s.queued += images.size();
  s.last_arrival = now;
  lock.unlock();
  cv_.notify_all();
  return ticket;
}

// The engine: CLIP over the front of the queue (once gathered), detector batches as they fill,
// partial batches once `max_wait` has passed since their stream's last image.
void Service::engine() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!queue_.empty() && !gathering()) embed_front(lock);
    lock.unlock();
    close_due_batches(false);
    lock.lock();
    const auto gather = gathering();
    if (!queue_.empty() && !gather) continue;
    if (queue_.empty() && stopping_) {
      lock.unlock();
      close_due_batches(true);
      return;
    }
    auto next = next_partial_batch_due();
    if (gather && (!next || *gather < *next)) next = gather;
    if (next) cv_.wait_until(lock, *next);
    else cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
  }
}

// When the first partial detector batch closes: streams with scored images pending and none queued.
std::optional<std::chrono::steady_clock::time_point> Service::next_partial_batch_due() const {
  std::optional<Clock::time_point> next;
  for (const auto& [_, s] : streams_)
    if (!s->pending.empty() && s->queued == 0) {
      const auto due = s->last_arrival + options_.max_wait;
      if (!next || due < *next) next = due;
    }
  return next;
}

// Until when the next CLIP pass waits for more images: clients answered together send their next
// images a few milliseconds apart, and a pass taken at the first arrival would carry one image
// (small passes use the cores less well). Never while stopping or once a pass is full.
std::optional<Clock::time_point> Service::gathering() const {
  if (queue_.empty() || stopping_ || queue_.size() >= static_cast<size_t>(options_.embed.infer_batch)) return std::nullopt;
  const auto until = queue_.front().arrived + options_.gather;
  if (Clock::now() >= until) return std::nullopt;
  return until;
}

void Service::embed_front(std::unique_lock<std::mutex>& lock) {
  const size_t n = std::min(queue_.size(), static_cast<size_t>(options_.embed.infer_batch));
  std::vector<Queued> items(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  for (const auto& q : items) {  // from here they are the stream's pending images
    --q.stream->queued;
    ++q.stream->pending_n;
  }
  counters_.forward_passes += 1;
  counters_.forward_sizes.observe(static_cast<double>(n));
  lock.unlock();
  std::vector<ImageRef> refs;
  for (const auto& q : items) refs.push_back(q.image);
  std::vector<ImageEmbedding> embedded;
  try {
    std::lock_guard model_lock(model_mu_);
    embedded = ants::embed_images(model_, refs, options_.embed);
  } catch (const std::exception& e) {  // not about one image (e.g. out of memory): every row says so
    for (const auto& r : refs) embedded.push_back({r.name, {}, r.name + ": " + e.what()});
  }
  for (size_t i = 0; i < items.size(); ++i) {
    Stream& s = *items[i].stream;
    std::lock_guard stream_lock(s.mu);
    s.pending.push_back(std::move(embedded[i]));
    s.pending_refs.push_back(std::move(items[i].image));
    s.pending_tickets.emplace_back(std::move(items[i].ticket), items[i].index);
    if (s.pending.size() >= options_.batch) score_pending(s);
  }
  lock.lock();
}

void Service::close_due_batches(bool all) {
  std::vector<Stream*> due;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    for (const auto& [_, s] : streams_)
      if (!s->pending.empty() && (all || (s->queued == 0 && now >= s->last_arrival + options_.max_wait)))
        due.push_back(s.get());
  }
  for (Stream* s : due) {
    std::lock_guard stream_lock(s->mu);
    if (!s->pending.empty()) score_pending(*s);
  }
}

// One detector batch of the stream's pending images; every ticket gets its rows.
void Service::score_pending(Stream& s) {
  std::vector<ScoredImage> rows;
  try {
    rows = s.parts.scorer->score(s.pending, s.pending_refs);
  } catch (const std::exception& e) {
    rows.clear();
    for (const auto& p : s.pending) rows.push_back({.file = p.file, .error = p.file + ": scoring failed: " + e.what()});
  }
  const size_t n = s.pending.size();
  s.images_seen += n;
  s.batches_seen += 1;
  const BatchTrace& trace = s.parts.scorer->last_trace();
  for (const auto& l : trace.new_far) s.far_history.push_back({{"label", l}, {"batch", s.batches_seen}});
  for (const auto& l : trace.new_near) s.near_history.push_back({{"label", l}, {"batch", s.batches_seen}});
  size_t errors = 0;
  for (const auto& r : rows) errors += r.error.empty() ? 0 : 1;
  auto tickets = std::move(s.pending_tickets);
  s.pending.clear();
  s.pending_refs.clear();
  s.pending_tickets.clear();
  s.pending_n -= n;
  // Everything a client may look at next (the stream, /metrics, the saved state) is up to date
  // before its answer goes out.
  refresh(s);
  {
    std::lock_guard lock(mu_);
    counters_.images_scored += n - errors;
    counters_.image_errors += errors;
    counters_.detector_batches += 1;
    counters_.detector_sizes.observe(static_cast<double>(n));
    const auto now = Clock::now();
    recent_.emplace_back(now, n - errors);
    while (!recent_.empty() && now - recent_.front().first > std::chrono::seconds(10)) recent_.pop_front();
  }
  if (!options_.state_dir.empty() && ++s.since_snapshot >= options_.state_every) {
    try {
      snapshot_locked(s);
    } catch (const std::exception&) {  // counted; the stream goes on and the next save retries
      std::lock_guard lock(mu_);
      counters_.snapshot_failures += 1;
    }
  }
  for (size_t i = 0; i < n; ++i) tickets[i].first->fill(tickets[i].second, std::move(rows[i]), s.threshold);
}

fs::path Service::blob_dir() const { return options_.state_dir / "images"; }

// Candidates held in memory are snapshotted by hash only: their bytes go to state_dir/images/HASH
// (once) so that a restarted server can still have them described.
std::set<std::string> Service::store_blobs(const Stream& s) const {
  std::set<std::string> keep;
  for (const ImageRef& im : s.parts.scorer->pending_images()) {
    if (!im.bytes) {
      if (!im.hash.empty() && im.path == blob_dir() / im.hash) keep.insert(im.hash);  // relinked after a restart
      continue;
    }
    const std::string hash = im.content_hash();
    keep.insert(hash);
    const fs::path path = blob_dir() / hash;
    if (fs::exists(path)) continue;
    fs::create_directories(blob_dir());
    write_file_atomic(path, *im.bytes);
  }
  return keep;
}

void Service::relink_blobs(Stream& s) {
  s.parts.scorer->relink_pending_images([&](const std::string& hash) {
    const fs::path p = blob_dir() / hash;
    return fs::exists(p) ? p : fs::path();
  });
  for (const ImageRef& im : s.parts.scorer->pending_images())
    if (!im.hash.empty() && im.path == blob_dir() / im.hash) s.blobs.insert(im.hash);
}

// Bytes no stream's snapshot refers to any more.
void Service::drop_blobs(const std::set<std::string>& released) {
  std::set<std::string> used;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, st] : streams_) used.insert(st->blobs.begin(), st->blobs.end());
  }
  std::error_code ec;
  for (const auto& h : released)
    if (!used.count(h)) fs::remove(blob_dir() / h, ec);
}

void Service::snapshot_locked(Stream& s) {
  std::lock_guard blob_lock(blob_mu_);
  std::set<std::string> blobs = store_blobs(s);
  StreamCheckpoint c;
  c.setup = s.setup;
  c.consumed = s.images_seen;
  c.extra = s.extra().dump(-1, ' ', false, json::error_handler_t::replace);
  save_checkpoint(state_path(s.name), c, *s.parts.scorer);
  s.since_snapshot = 0;
  std::set<std::string> released;
  {
    std::lock_guard lock(mu_);
    std::set_difference(s.blobs.begin(), s.blobs.end(), blobs.begin(), blobs.end(), std::inserter(released, released.end()));
    s.blobs = std::move(blobs);
    counters_.snapshots += 1;
  }
  drop_blobs(released);
}

Service::Stream* Service::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

// The stream's view as of its last change; called with the stream's lock held.
void Service::refresh(Stream& s) {
  const OodScorer& sc = *s.parts.scorer;
  const DetectorStats st = sc.stats();
  json j{{"name", s.name},
         {"method", method_name(sc.method())},
         {"images_seen", s.images_seen},
         {"batches_seen", s.batches_seen},
         {"gamma", st.gamma},
         {"lambda", st.lambda},
         {"threshold", s.threshold ? json(*s.threshold) : json(nullptr)},
         {"banks", {{"negatives", sc.negatives()}, {"ens", st.far_rows}, {"vsnl", st.near_rows}}},
         {"ens_updates", st.ens_updates},
         {"vsnl_updates", st.vsnl_updates},
         {"pending_candidates", st.pending_candidates},
         {"ens_labels", s.far_history},
         {"vsnl_labels", s.near_history}};
  if (sc.method() == Method::adaneg) j["memory"] = {{"labels", st.memory_labels}, {"images", st.memory_images}};
  std::lock_guard lock(s.view_mu);
  s.view = std::move(j);
  s.gauges = {s.name, static_cast<double>(s.images_seen), st.gamma, st.lambda, static_cast<double>(st.far_rows),
              static_cast<double>(st.near_rows)};
}

std::optional<json> Service::info(const std::string& name) const {
  Stream* s = nullptr;
  size_t queued = 0;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) return std::nullopt;
    s = it->second.get();
    queued = s->queued;
  }
  json j;
  {
    std::lock_guard lock(s->view_mu);
    j = s->view;
  }
  j["images_waiting"] = queued + s->pending_n.load();
  if (s->parts.mllm) {  // changes in the background: read now
    const MllmStats m = s->parts.mllm->stats();
    j["mllm"] = {{"requests", m.requests}, {"failures", m.failures}, {"degraded", m.degraded}};
  }
  return j;
}

std::vector<Service::Stream*> Service::all() const {
  std::lock_guard lock(mu_);
  std::vector<Stream*> out;
  for (const auto& [_, s] : streams_) out.push_back(s.get());
  return out;
}

json Service::list() const {
  json out = json::array();
  for (Stream* s : all())
    if (auto j = info(s->name)) out.push_back(*j);
  return out;
}

std::vector<Service::Gauges> Service::gauges() const {
  std::vector<Gauges> out;
  for (Stream* s : all()) {
    std::lock_guard lock(s->view_mu);
    out.push_back(s->gauges);
  }
  return out;
}

// Runs `fn` on stream `name` under its lock, waiting for the lock (a detector batch) until `deadline`.
template <typename Fn>
Outcome Service::with_stream(const std::string& name, Deadline deadline, Fn&& fn) {
  Stream* s = find(name);
  if (s == nullptr) return Outcome::no_stream;
  std::unique_lock stream_lock(s->mu, deadline);
  if (!stream_lock.owns_lock()) return Outcome::timed_out;
  fn(*s);
  return Outcome::done;
}

Outcome Service::reset(const std::string& name, Deadline deadline) {
  return with_stream(name, deadline, [&](Stream& s) {
    s.parts.scorer->reset();
    s.images_seen = s.batches_seen = 0;
    s.far_history = json::array();
    s.near_history = json::array();
    refresh(s);
    if (!options_.state_dir.empty()) snapshot_locked(s);  // a restart must not bring the old state back
  });
}

Outcome Service::set_threshold(const std::string& name, std::optional<double> threshold, Deadline deadline) {
  return with_stream(name, deadline, [&](Stream& s) {
    s.threshold = threshold;
    refresh(s);
  });
}

Outcome Service::snapshot(const std::string& name, Deadline deadline) {
  if (options_.state_dir.empty()) throw Error(ErrorCode::invalid_argument, "snapshot: the server has no --state-dir");
  return with_stream(name, deadline, [&](Stream& s) { snapshot_locked(s); });
}

// Runs `pass(begin, end)` over [0, n) in steps of `step`, each under the model lock, taken (like
// every pass after the first) only before `deadline`; false when it passed first.
template <typename Pass>
bool Service::in_model_passes(size_t n, size_t step, Deadline deadline, Pass&& pass) {
  for (size_t at = 0; at < n; at += step) {
    if (at > 0 && Clock::now() >= deadline) return false;
    std::unique_lock model_lock(model_mu_, deadline);
    if (!model_lock.owns_lock()) return false;
    pass(at, std::min(n, at + step));
  }
  return true;
}

std::optional<std::vector<ImageEmbedding>> Service::embed_images(const std::vector<ImageRef>& images, Deadline deadline) {
  std::vector<ImageEmbedding> out;
  const bool done = in_model_passes(images.size(), static_cast<size_t>(options_.embed.infer_batch), deadline,
                                    [&](size_t begin, size_t end) {
    const std::vector<ImageRef> pass(images.begin() + begin, images.begin() + end);
    for (auto& e : ants::embed_images(model_, pass, options_.embed)) out.push_back(std::move(e));
  });
  return done ? std::optional(std::move(out)) : std::nullopt;
}

// In passes of 256 texts (the batch encode_texts itself uses), so up to 256 texts (the default
// --max-images) the embeddings are those of one call; more are each pass's own length-sorted batches.
std::optional<FeatureMatrix> Service::embed_texts(const std::vector<std::string>& texts, Deadline deadline) {
  constexpr size_t kStep = 256;
  FeatureMatrix out;
  const bool done = in_model_passes(texts.size(), kStep, deadline, [&](size_t begin, size_t end) {
    const FeatureMatrix m = model_.encode_texts({texts.begin() + begin, texts.begin() + end}, static_cast<int>(kStep));
    out.rows += m.rows;
    out.dim = m.dim;
    out.data.insert(out.data.end(), m.data.begin(), m.data.end());
  });
  return done ? std::optional(std::move(out)) : std::nullopt;
}

std::vector<std::string> Service::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return {};
    stopping_ = true;
  }
  cv_.notify_all();
  if (engine_.joinable()) engine_.join();
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  std::vector<std::string> failed;
  if (options_.state_dir.empty()) return failed;
  for (Stream* s : all()) {
    std::lock_guard stream_lock(s->mu);
    try {
      snapshot_locked(*s);
    } catch (const std::exception& e) {  // the others are still saved
      failed.push_back(s->name + ": " + e.what());
    }
  }
  return failed;
}

size_t Service::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

ServiceCounters Service::counters() const {
  std::lock_guard lock(mu_);
  ServiceCounters c = counters_;
  const auto now = Clock::now();
  const auto window = std::chrono::seconds(10);
  size_t images = 0;
  for (const auto& [t, n] : recent_)
    if (now - t <= window) images += n;
  const double seconds = std::chrono::duration<double>(std::min<Clock::duration>(window, now - started_)).count();
  c.images_per_second = seconds > 0 ? static_cast<double>(images) / seconds : 0;
  return c;
}

MllmStats Service::mllm_stats() const {
  MllmStats sum;
  for (Stream* s : all()) {
    if (!s->parts.mllm) continue;
    const MllmStats m = s->parts.mllm->stats();
    sum.calls += m.calls;
    sum.requests += m.requests;
    sum.retries += m.retries;
    sum.failures += m.failures;
    sum.cache_hits += m.cache_hits;
    sum.breaker_trips += m.breaker_trips;
    sum.degraded = sum.degraded || m.degraded;
  }
  return sum;
}

}  // namespace ants::server
