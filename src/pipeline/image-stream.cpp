// Detector batches from images pushed in order: what a long-running front end (a server, a
// Python loop) feeds image by image, batched exactly as `detect` batches a file list.
#include <ants/stream.h>

namespace ants {

ImageStream::ImageStream(const ClipModel& model, OodScorer& scorer, size_t batch, ImageEmbedOptions embed)
    : model_(model), scorer_(scorer), batch_(batch == 0 ? 1 : batch), embed_(std::move(embed)) {}

std::vector<ScoredImage> ImageStream::score_batch(const std::vector<ImageRef>& images, const ProgressFn& progress) {
  EmbedReport report;
  const auto embedded = embed_images(model_, images, embed_, progress, &report);
  cache_hits_ += report.cache_hits;
  for (auto& w : report.warnings)
    if (warnings_.size() < kMaxWarnings) warnings_.push_back(std::move(w));  // a long stream stays bounded
  return scorer_.score(embedded, images);
}

std::vector<ScoredImage> ImageStream::push(const std::vector<ImageRef>& images, const ProgressFn& progress) {
  std::vector<ScoredImage> rows;
  for (const auto& im : images) {
    waiting_.push_back(im);
    if (waiting_.size() < batch_) continue;
    std::vector<ImageRef> full;
    full.swap(waiting_);
    for (auto& r : score_batch(full, progress)) rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<ScoredImage> ImageStream::flush() {
  if (waiting_.empty()) return {};
  std::vector<ImageRef> rest;
  rest.swap(waiting_);
  return score_batch(rest);
}

}  // namespace ants
