// The OOD service behind `ants serve`, without HTTP: named streams (each its own scorer and
// MLLM client), one queue of images for all of them, and one engine thread that runs CLIP on up
// to `infer_batch` queued images at a time (from any stream: dynamic batching) and feeds each
// stream's detector its batches in arrival order. State is snapshotted per stream into
// `state_dir` and restored on start.
#pragma once

#include <ants/files.h>
#include <ants/pipeline.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "prometheus.h"

namespace ants::server {

// What a stream is made of: its scorer and the MLLM client it asks (may be null). The client is
// the stream's own, since late asynchronous answers belong to the stream that asked. The factory
// builds the scorer on `text`: the service's model, which it shares with the engine thread.
struct StreamParts {
  std::unique_ptr<MllmClient> mllm;
  std::unique_ptr<OodScorer> scorer;
};
using StreamFactory = std::function<StreamParts(const TextModel& text)>;

struct ServiceOptions {
  size_t batch = 256;                   // detector batch (the ANTS update cadence)
  ImageEmbedOptions embed;              // embed.infer_batch: images per CLIP forward pass
  std::chrono::milliseconds max_wait{50};  // a partial batch closes this long after its last image
  std::chrono::milliseconds gather{5};     // a CLIP pass short of infer_batch waits this long for more
  size_t max_queue = 4096;              // images waiting for CLIP, all streams together
  size_t max_streams = 64;              // streams at once (each holds a scorer and an MLLM client)
  std::filesystem::path state_dir;      // empty: no snapshots
  int state_every = 10;                 // batches between a stream's snapshots
};

// Why submit() refused images.
enum class Refusal { none, queue_full, too_large, too_many_streams, stopping };

// How a call on a stream, or one that needs the model, ended. Such calls wait for the stream (a
// detector batch may hold it for a synchronous MLLM) or for the model only until their deadline.
enum class Outcome { done, no_stream, timed_out };
using Deadline = std::chrono::steady_clock::time_point;

// One request's images and, once all are scored, their rows.
class Ticket {
 public:
  explicit Ticket(size_t n) : rows_(n), thresholds_(n), left_(n) {}
  // Waits until every row is in or `deadline`; false on timeout.
  bool wait_until(std::chrono::steady_clock::time_point deadline);
  std::vector<ScoredImage> rows() const;
  // The stream's threshold when row `index`'s detector batch was scored (a request's images may
  // span batches, and the threshold may change between them).
  std::optional<double> threshold(size_t index) const;

 private:
  friend class Service;
  void fill(size_t index, ScoredImage row, std::optional<double> threshold);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ScoredImage> rows_;
  std::vector<std::optional<double>> thresholds_;
  size_t left_;
};

// Counters for /metrics since the start.
struct ServiceCounters {
  uint64_t images_scored = 0, image_errors = 0, forward_passes = 0, detector_batches = 0, snapshots = 0,
           snapshot_failures = 0;
  Histogram forward_sizes{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};  // images per CLIP forward pass
  Histogram detector_sizes{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};  // images per detector batch
  double images_per_second = 0;  // images scored over the last 10 s
};

class Service {
 public:
  Service(const ClipModel& model, StreamFactory factory, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Creates a stream now (`--stream NAME`) and restores every NAME.state of the state directory.
  // Throws Error(invalid_argument) naming the file and the setting that differs for a snapshot of
  // another setup, or when there would be more than max_streams.
  void create(const std::string& name);
  void restore_all();

  // Queues `images` (in order) on stream `name` (created on first use). The ticket fills as the
  // stream's batches are scored. nullptr with the reason when refused (nothing is queued then).
  std::shared_ptr<Ticket> submit(const std::string& name, std::vector<ImageRef> images, Refusal& refusal);

  // Per stream: info() is nullopt when it does not exist (it never waits for a batch).
  std::optional<nlohmann::json> info(const std::string& name) const;
  nlohmann::json list() const;
  Outcome reset(const std::string& name, Deadline deadline);
  Outcome set_threshold(const std::string& name, std::optional<double> threshold, Deadline deadline);
  Outcome snapshot(const std::string& name, Deadline deadline);  // throws Error(io) when the write fails

  // CLIP embeddings outside any stream. The model is shared with the engine: these take it one
  // forward pass at a time, so the engine's batches go between them; nullopt past the deadline.
  std::optional<std::vector<ImageEmbedding>> embed_images(const std::vector<ImageRef>& images, Deadline deadline);
  std::optional<FeatureMatrix> embed_texts(const std::vector<std::string>& texts, Deadline deadline);

  // Graceful stop: refuses new images, scores every queued one (partial batches close at once),
  // stops the engine and snapshots every stream. Returns the streams that could not be saved
  // (each "NAME: reason"). Idempotent.
  std::vector<std::string> shutdown();

  size_t queued() const;
  ServiceCounters counters() const;
  MllmStats mllm_stats() const;          // summed over the streams' clients
  // Per stream, for /metrics: name, images seen, gamma, lambda, ENS and VSNL rows.
  struct Gauges {
    std::string name;
    double images_seen = 0, gamma = 0, lambda = 0, ens_rows = 0, vsnl_rows = 0;
  };
  std::vector<Gauges> gauges() const;
  const ServiceOptions& options() const { return options_; }

 private:
  struct Stream;
  struct Queued {
    Stream* stream;
    ImageRef image;
    std::shared_ptr<Ticket> ticket;
    size_t index;
    std::chrono::steady_clock::time_point arrived;
  };
  Stream* obtain(const std::string& name);       // nullptr at max_streams
  Stream* find(const std::string& name) const;  // streams live as long as the service
  std::vector<Stream*> all() const;
  template <typename Fn>
  Outcome with_stream(const std::string& name, Deadline deadline, Fn&& fn);
  template <typename Pass>
  bool in_model_passes(size_t n, size_t step, Deadline deadline, Pass&& pass);
  void refresh(Stream& s);  // the stream's cached view (info, gauges), after every change
  void engine();
  std::optional<std::chrono::steady_clock::time_point> gathering() const;
  std::optional<std::chrono::steady_clock::time_point> next_partial_batch_due() const;
  void embed_front(std::unique_lock<std::mutex>& lock);
  void close_due_batches(bool all);
  void score_pending(Stream& s);
  void snapshot_locked(Stream& s);
  std::filesystem::path blob_dir() const;
  std::set<std::string> store_blobs(const Stream& s) const;
  void relink_blobs(Stream& s);
  void drop_blobs(const std::set<std::string>& released);
  std::filesystem::path state_path(const std::string& name) const;

  const ClipModel& model_;
  std::unique_ptr<TextModel> text_;  // model_ behind model_mu_, for the scorers
  StreamFactory factory_;
  ServiceOptions options_;
  mutable std::mutex mu_;  // queue, stream map, counters
  std::condition_variable cv_;
  std::timed_mutex model_mu_;  // one CLIP call at a time (held inside a stream's lock, never around one)
  std::mutex create_mu_;   // one stream built at a time
  std::mutex blob_mu_;     // saved candidate bytes: written, referred to and dropped as one
  std::deque<Queued> queue_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
  ServiceCounters counters_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, size_t>> recent_;  // images per batch, last 10 s
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool stopping_ = false, stopped_ = false;
  std::thread engine_;
};

}  // namespace ants::server
