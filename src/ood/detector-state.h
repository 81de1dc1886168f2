// The ANTS detector's mutable state (method.md §4.1) and its fixed setup, shared by the batch
// procedure and the snapshot code.
#pragma once

#include <ants/detector.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ood/vsnl-cache.h"

namespace ants::ood {

struct DetectorState {
  int64_t t = 0;                 // batches since reset
  int e = 0;                     // ENS updates
  float gamma = 0.8f;            // candidate threshold
  std::vector<float> base_history;  // S_nl of every image (threshold rule)
  ClassCounter predictions;    // counts of pred (VSNL's frequent classes)
  ClassCounter mined_predictions;  // counts of pred among the mined negative images (NearSelect::ratio)
  std::vector<ImageRef> cand_files;
  std::vector<int> cand_preds;
  FeatureMatrix far;             // ENS bank, newest update first
  std::vector<std::string> far_labels;
  FeatureMatrix near;            // VSNL bank, cache order
  std::vector<std::string> near_labels;
  LabelCache cache;
  // λ statistics: sums and counts of the balanced scores (HEAD) or of the plain scores of the
  // mined negatives (paper).
  double far_sum = 0, near_sum = 0;
  int64_t fused_count = 0;
  float lambda = 0.5f;
  std::vector<float> activation_history;
  int64_t images = 0;
  int vsnl_updates = 0;
  int64_t describe_requests = 0, describe_failures = 0;
  int64_t similar_requests = 0, similar_failures = 0;
  uint64_t seed = 0;             // the stream's seed (reset(seed)): ens_id_noise draws
  int64_t noise_draws = 0;       // batches of ENS labels that went through ens_id_noise
};

struct DetectorImpl {
  FeatureMatrix id_texts, negatives;
  float scale = 100.f;
  std::vector<std::string> class_names;
  TextEncoder encoder;
  Mllm* mllm = nullptr;
  DetectorOptions opt;
  DetectorState s;

  void init_state(uint64_t seed);
  std::vector<DetectorScore> process(const FeatureMatrix& images, const std::vector<ImageRef>& files);

 private:
  void collect_candidates(const std::vector<DetectorScore>& out, const std::vector<ImageRef>& files);
  void maybe_update_far();
  void maybe_update_near();
  void rebuild_near();
  std::vector<int> near_classes() const;
  void add_far_labels(std::vector<std::string> labels);
  void apply_late_answers();
  FeatureMatrix encode(const std::vector<std::string>& texts) const;
  void score_banks(const FeatureMatrix& images, const std::vector<float>& id_logits, const std::vector<bool>& mined,
                   std::vector<DetectorScore>& out);
  void fuse(const std::vector<double>& far_bal, const std::vector<double>& near_bal, const std::vector<bool>& mined,
            std::vector<DetectorScore>& out);
};

}  // namespace ants::ood
