// ants/stream.h — running a scorer over a stream of images: detector batches formed from images
// pushed in order (files or memory), resumable file streams (`detect --state`) with checkpoints
// that always agree with the rows written, a cap on the inputs of one run, and cancellation.
#pragma once

#include <ants/callbacks.h>
#include <ants/embed.h>
#include <ants/export.h>
#include <ants/scorer.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ants {

// Images pushed in order become detector batches of `batch` images (the ANTS update cadence);
// images that cannot be read count toward their batch and come back as error rows.
class ANTS_API ImageStream {
 public:
  ImageStream(const ClipModel& model, OodScorer& scorer, size_t batch, ImageEmbedOptions embed);
  // Adds images; returns the rows of every batch they complete, in order.
  std::vector<ScoredImage> push(const std::vector<ImageRef>& images, const ProgressFn& progress = {});
  // Scores the images still waiting as one (short) batch; empty when none wait.
  std::vector<ScoredImage> flush();
  size_t waiting() const { return waiting_.size(); }
  // Scores `images` as exactly one detector batch, whatever its size.
  std::vector<ScoredImage> score_batch(const std::vector<ImageRef>& images, const ProgressFn& progress = {});
  // Image-cache problems, the first 100 of the stream's life.
  const std::vector<std::string>& warnings() const { return warnings_; }
  static constexpr size_t kMaxWarnings = 100;
  size_t cache_hits() const { return cache_hits_; }

 private:
  const ClipModel& model_;
  OodScorer& scorer_;
  size_t batch_;
  ImageEmbedOptions embed_;
  std::vector<ImageRef> waiting_;
  std::vector<std::string> warnings_;
  size_t cache_hits_ = 0;
};

// Where a file stream stopped. One file holds it together with the detector snapshot and is
// written atomically, so after a crash the position and the detector state always belong together.
struct StreamCheckpoint {
  std::string setup;          // stream_setup(): what must match for the position to mean the same
  uint64_t consumed = 0;      // inputs of the list already scored
  uint64_t output_bytes = 0;  // size of the rows file when saved (0 when the rows go elsewhere)
  std::string extra;          // the caller's own JSON document (text), kept as is; empty: none
};

// The scorer's setup_json() plus the preprocessing, the detector batch and a hash of the input
// list (the paths in order), as a JSON object (text).
ANTS_API std::string stream_setup(const OodScorer& scorer, const ImageEmbedOptions& embed, size_t batch,
                                  const std::vector<std::string>& files);
// Layout: "ANTSSTRM", u32 version, the JSON head (setup, consumed, output_bytes) and then the
// scorer's snapshot_bytes(), each after its u64 length, and an XXH3-128 checksum of all of it.
ANTS_API void save_checkpoint(const std::filesystem::path& path, const StreamCheckpoint& checkpoint,
                              const OodScorer& scorer);
// nullopt when `path` does not exist. Otherwise restores the scorer and returns the position.
// Throws Error(invalid_argument) naming the first setting that differs ("method", "model",
// "detector options", "inputs", ...) when the checkpoint belongs to another setup, and
// Error(format) when the file is damaged.
ANTS_API std::optional<StreamCheckpoint> load_checkpoint(const std::filesystem::path& path, const std::string& setup,
                                                         OodScorer& scorer);

// The rows of a scored stream as `ants detect` writes them: CSV `file,pred,pred_name,prob,score,
// ood,error` (RFC 4180) or JSON lines (a path ending in .jsonl or .json). `ood` is set only with
// a threshold (score < threshold = OOD). An empty path writes to `fallback` (e.g. stdout).
class ANTS_API RowWriter {
 public:
  RowWriter(const std::filesystem::path& path, bool append, std::ostream& fallback);
  RowWriter(const RowWriter&) = delete;  // it points at its own stream
  RowWriter& operator=(const RowWriter&) = delete;
  void write(const ScoredImage& row, const std::vector<std::string>& classes, std::optional<double> threshold);
  void flush();  // throws Error(io) when a write failed

 private:
  bool jsonl_;
  std::ofstream file_;
  std::ostream* out_;
  std::string name_;
};

struct FileStreamOptions {
  size_t batch = 256;                  // detector batch
  ImageEmbedOptions embed;
  std::filesystem::path state;         // checkpoint file: resumed from at start (empty: none)
  int state_every = 10;                // batches between checkpoints (and one at the end)
  size_t max_inputs = 0;               // 0: all; else stop after the batch that reaches it (the
                                       // next run resumes on a batch boundary)
  std::filesystem::path rows_file;     // the caller's rows file: its size is checkpointed and it
                                       // is cut back to it on resume (empty: rows go elsewhere)
  // Called once the start is known (checkpoint restored, rows file cut back), before the first
  // batch: the caller opens its rows file here.
  std::function<void(size_t first, size_t total)> on_start;
};

struct FileStreamResult {
  size_t first = 0;      // inputs consumed before this run (resumed from the checkpoint)
  size_t end = 0;        // inputs consumed after it
  size_t failed = 0;     // error rows
  bool cancelled = false;
  std::vector<std::string> warnings;  // image-cache problems
};

// A list of image files, scored in detector batches from the checkpoint on (when
// options.state names one): refuses a checkpoint of another setup (load_checkpoint), cuts the
// rows file back to its checkpointed size so rows after the last save are neither lost nor
// repeated, calls `on_rows` with each batch's rows (the caller writes and flushes them), then
// checkpoints every state_every batches and at the end. `cancel` is polled between batches; a
// cancelled run checkpoints what it finished. `progress` counts inputs of the whole list.
ANTS_API FileStreamResult run_file_stream(const ClipModel& model, OodScorer& scorer,
                                          const std::vector<std::string>& files, const FileStreamOptions& options,
                                          const std::function<void(const std::vector<ScoredImage>&)>& on_rows,
                                          const ProgressFn& progress = {}, const CancelFn& cancel = {});

}  // namespace ants
