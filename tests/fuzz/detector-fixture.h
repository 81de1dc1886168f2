// A small ANTS detector whose banks fill within a few batches: random unit features, an MLLM made
// of functions with fixed answers. The snapshot and --state targets restore into it; their seeds
// are its own snapshots after a few batches.
#pragma once

#include <ants/detector.h>
#include <ants/mllm.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ants::fuzz {

inline FeatureMatrix random_rows(size_t rows, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  FeatureMatrix m{rows, dim, std::vector<float>(rows * static_cast<size_t>(dim))};
  for (size_t r = 0; r < rows; ++r) {
    float norm = 0;
    for (int c = 0; c < dim; ++c) {
      m.row(r)[c] = normal(rng);
      norm += m.row(r)[c] * m.row(r)[c];
    }
    for (int c = 0; c < dim; ++c) m.row(r)[c] /= std::sqrt(norm);
  }
  return m;
}

inline std::unique_ptr<Mllm> fixed_answer_mllm() {
  MllmCallbacks callbacks;
  callbacks.describe = [](const ImageRef&, const std::string&) -> std::optional<std::string> { return "a small red toy"; };
  callbacks.similar = [](const std::string&) -> std::optional<std::string> { return "1. lynx\n2. ocelot"; };
  return make_callback_mllm(callbacks);
}

// Grouping, mining and VSNL constants small enough for batches of 8.
inline DetectorOptions small_detector_options() {
  DetectorOptions o;
  o.min_candidates = 2;
  o.queue_cap = 40;
  o.group_num = 4;
  o.near_start_batch = 1;
  o.near_interval = 1;
  o.similar_limit = 2;
  o.balance_repeats = 2;
  return o;
}

inline std::vector<ImageRef> image_refs(size_t n, size_t first) {
  std::vector<ImageRef> refs;
  for (size_t i = 0; i < n; ++i) refs.push_back(ImageRef::memory("pixels", "image-" + std::to_string(first + i)));
  return refs;
}

}  // namespace ants::fuzz
