// A list of image files scored in detector batches, resumable from a checkpoint: what
// `ants detect --state` runs, and what any front end that scores files can run.
#include <ants/stream.h>

#include "core/error.h"

namespace ants {

namespace {

namespace fs = std::filesystem;

// The rows file cut back to its size at the checkpoint, so rows written after the last save (a
// crash between saves) are neither lost nor duplicated.
void truncate_rows(const fs::path& rows, uint64_t bytes) {
  std::error_code ec;
  const uint64_t size = fs::file_size(rows, ec);
  if (ec || size < bytes) {
    core::fail(ErrorCode::invalid_argument, rows.string(),
               "holds " + (ec ? std::string("no") : std::to_string(size)) + " bytes but the state expects at least " +
                   std::to_string(bytes) + " (the rows file changed since the state was saved)");
  }
  fs::resize_file(rows, bytes, ec);
  if (ec) core::fail(ErrorCode::io, rows.string(), "cannot truncate: " + ec.message());
}

uint64_t rows_size(const fs::path& rows) {
  std::error_code ec;
  const auto size = rows.empty() ? 0 : fs::file_size(rows, ec);
  return ec ? 0 : static_cast<uint64_t>(size);
}

// The last input of this run: all, or max_inputs rounded up to whole detector batches, so a later
// run resumes on a batch boundary and scores exactly as an uninterrupted run would.
size_t run_end(size_t first, size_t total, size_t max_inputs, size_t batch) {
  if (max_inputs == 0) return total;
  const size_t batches = (max_inputs + batch - 1) / batch;
  return std::min(total, first + batches * batch);
}

// Restores the scorer from the checkpoint and returns it (position 0 without one).
StreamCheckpoint resume(const FileStreamOptions& o, const std::string& setup, size_t total, OodScorer& scorer) {
  StreamCheckpoint at{setup, 0, 0, {}};
  if (o.state.empty()) return at;
  if (auto saved = load_checkpoint(o.state, setup, scorer)) at = *saved;
  if (at.consumed > total) core::fail(ErrorCode::format, o.state.string(), "consumed count past the inputs");
  if (at.consumed > 0 && !o.rows_file.empty()) truncate_rows(o.rows_file, at.output_bytes);
  return at;
}

}  // namespace

FileStreamResult run_file_stream(const ClipModel& model, OodScorer& scorer, const std::vector<std::string>& files,
                                 const FileStreamOptions& o, const std::function<void(const std::vector<ScoredImage>&)>& on_rows,
                                 const ProgressFn& progress, const CancelFn& cancel) {
  if (o.batch == 0) core::fail(ErrorCode::invalid_argument, "batch", "must be at least 1");
  if (o.state_every < 1) core::fail(ErrorCode::invalid_argument, "state every", "must be at least 1");
  const std::string setup = o.state.empty() ? "" : stream_setup(scorer, o.embed, o.batch, files);
  StreamCheckpoint at = resume(o, setup, files.size(), scorer);
  FileStreamResult r;
  r.first = r.end = at.consumed;
  if (o.on_start) o.on_start(r.first, files.size());
  auto checkpoint = [&] {
    if (o.state.empty()) return;
    at.consumed = r.end;
    at.output_bytes = rows_size(o.rows_file);
    save_checkpoint(o.state, at, scorer);
  };
  const size_t end = run_end(r.first, files.size(), o.max_inputs, o.batch);
  ImageStream stream(model, scorer, o.batch, o.embed);
  size_t batches = 0;
  if (progress) progress(r.first, end);
  while (r.end < end) {
    if (cancel && cancel()) {
      r.cancelled = true;
      break;
    }
    const size_t at_first = r.end, n = std::min(end, at_first + o.batch) - at_first;
    std::vector<ImageRef> chunk;
    for (size_t i = at_first; i < at_first + n; ++i) chunk.push_back(ImageRef::file(files[i]));
    const auto rows = stream.score_batch(chunk, [&](size_t done, size_t) {
      if (progress) progress(at_first + done, end);
    });
    for (const auto& row : rows) r.failed += row.error.empty() ? 0 : 1;
    on_rows(rows);
    r.end = at_first + n;
    if (++batches % static_cast<size_t>(o.state_every) == 0 && r.end < end) checkpoint();
  }
  checkpoint();
  r.warnings = stream.warnings();
  return r;
}

}  // namespace ants
