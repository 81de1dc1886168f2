// ants/detector.h — zero-shot OOD scores from CLIP features: MCM, NegLabel and the streaming ANTS
// detector (spec §3–§4, HEAD behaviour of the authors' code unless an option says otherwise).
//
// Layouts: every feature matrix is row-major float32, one L2-normalised row per text or image,
// `dim` columns (the CLIP embedding width). Scores are in [0, 1], higher = more in-distribution.
// Threading: a detector is not thread-safe; one stream per detector. The scoring functions are
// pure and may run concurrently. Errors: ants::Error (invalid_argument for inconsistent shapes).
#pragma once

#include <ants/error.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ants {

// A row-major matrix of L2-normalised feature rows.
struct FeatureMatrix {
  size_t rows = 0;
  int dim = 0;
  std::vector<float> data;  // rows × dim

  const float* row(size_t i) const { return data.data() + i * static_cast<size_t>(dim); }
};

// Per image of a scored batch.
struct ImageScore {
  int pred = 0;       // argmax over the ID logits (plain zero-shot CLIP)
  float score = 0;    // the detector's output: higher = more in-distribution
  float base = 0;     // the NegLabel score S_nl
  float far = 0;      // S_ens (ENS bank; base while the bank is empty)
  float near = 0;     // S_vsnl (VSNL bank; base while the bank is empty)
  float lambda = 0;   // the fusion weight of this batch (mode ada), else 1 (far_only) / 0 (near_only)
};

// MCM: max softmax over the ID prompts at `logit_scale`. `images` and `id_texts` share dim.
std::vector<float> mcm_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts, float logit_scale);

// NegLabel: the grouped ID mass of spec §3.3 against `negatives` with groups of `group_size`
// columns after the seed-0 torch randperm (plain softmax when the bank has ≤ group_size rows).
// Also returns the predicted class of each image in `preds` when not null.
std::vector<float> neglabel_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts,
                                   const FeatureMatrix& negatives, float logit_scale, size_t group_size = 100,
                                   std::vector<int>* preds = nullptr);

// Answers that arrived after the describe()/similar() call that asked for them had returned
// (an asynchronous Mllm answers nullopt for items still in flight).
struct MllmLateAnswers {
  std::vector<std::string> descriptions;                                   // ENS sentences
  std::vector<std::pair<std::string, std::vector<std::string>>> similar;  // class name, its labels
  bool empty() const { return descriptions.empty() && similar.empty(); }
};

// What the detector asks of a multimodal LLM. Every item may come back as "no answer"
// (std::nullopt): the detector then goes on with the banks it has. Implementations: the HTTP
// client (ants/mllm.h), which also replays recorded JSONL, and test fakes. None may throw (an
// implementation that fails answers nullopt).
class Mllm {
 public:
  virtual ~Mllm() = default;
  // Late answers since the last poll. The detector polls at the start of every batch and adds
  // them to its banks (descriptions to the ENS bank, labels to the VSNL cache of that class).
  // Synchronous implementations have none.
  virtual MllmLateAnswers poll() { return {}; }
  // One short description per image (the original file), not naming its predicted ID class.
  virtual std::vector<std::optional<std::string>> describe(const std::vector<std::filesystem::path>& images,
                                                           const std::vector<std::string>& predicted_classes) = 0;
  // Names of classes that look like each given class, already parsed into labels.
  virtual std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) = 0;
  virtual bool supports_similar() const = 0;
};

// Encodes texts to unit feature rows (the CLIP text tower); used for ENS sentences and VSNL labels.
using TextEncoder = std::function<FeatureMatrix(const std::vector<std::string>& texts)>;

enum class FusionMode { ada, far_only, near_only };
// head: the authors' code (histogram jump + η-percentile of the whole history, §4.3).
// paper: Eq. 5–6 (the η lowest fraction of scores below γ0; γ* = the largest of them).
enum class ThresholdRule { head, paper };
// head: λ from the means of the balanced scores over every image since reset (§4.9).
// paper: λ from the means of the plain S_ens / S_vsnl over the mined negative images only (those
// whose S_nl is below the γ in force when their batch arrives).
enum class LambdaRule { head, paper };

// Every constant of spec §7, with the spec's defaults.
struct DetectorOptions {
  FusionMode mode = FusionMode::ada;
  ThresholdRule threshold_rule = ThresholdRule::head;
  LambdaRule lambda_rule = LambdaRule::head;
  float eta = 0.5f;                  // η: percentile of the threshold rule
  float gamma0 = 0.8f;               // initial candidate threshold
  int ens_stop_step = 20;            // E_max: ENS updates per stream
  size_t min_candidates = 200;       // ENS fires when strictly more are pending
  size_t queue_cap = 10000;          // ENS bank rows (keep-oldest on overflow)
  int group_num = 100;               // group_len = queue_cap / group_num
  bool permute = true;               // seed-0 randperm before grouping
  int near_start_batch = 10;         // t0: first VSNL update
  int near_interval = 40;            // Δ: batches between VSNL updates
  size_t similar_limit = 40;         // most frequent classes sent to VSNL
  size_t balance_repeats = 10;       // VSNL bank tiling for the balanced score
  std::string near_template = "The nice {}.";
  bool neglabel_init = false;        // §4.11: ENS bank starts as the NegLabel bank
  bool activation_aware = false;     // §4.11: TANL-style ENS re-scoring
  size_t activation_count = 1000;
  size_t activation_step = 2;
  float activation_gap = 0.5f;
  size_t activation_history = 20000;

  size_t group_len() const { return queue_cap / static_cast<size_t>(group_num > 0 ? group_num : 1); }
};

// Counters a run reports.
struct DetectorStats {
  int64_t batches = 0, images = 0;
  int ens_updates = 0, vsnl_updates = 0;
  size_t pending_candidates = 0;
  size_t far_rows = 0, near_rows = 0;
  float gamma = 0, lambda = 0.5f;
  int64_t describe_requests = 0, describe_failures = 0;
  int64_t similar_requests = 0, similar_failures = 0;
};

// The ANTS streaming detector. Stateful: results depend on every batch since reset().
class AntsDetector {
 public:
  // id_texts: N rows ("The nice {class}."), negatives: the NegLabel bank (M rows), class_names:
  // N names (indexed by pred, sent to the MLLM). `mllm` may be null (no adaptive banks: the
  // detector is NegLabel); it must outlive the detector.
  AntsDetector(FeatureMatrix id_texts, FeatureMatrix negatives, float logit_scale, std::vector<std::string> class_names,
               TextEncoder encoder, Mllm* mllm, DetectorOptions options = {});
  ~AntsDetector();
  AntsDetector(const AntsDetector&) = delete;
  AntsDetector& operator=(const AntsDetector&) = delete;

  // Scores one batch of image features (rows = images). `files` (same count, or empty) are the
  // original images the MLLM describes; without them ENS never updates.
  std::vector<ImageScore> process(const FeatureMatrix& images, const std::vector<std::filesystem::path>& files = {});

  void reset();
  // The whole state (banks and labels, histories, threshold, counters, VSNL cache) to `path`,
  // written to a temporary name and renamed; restore() refuses a snapshot of another setup.
  void snapshot(const std::filesystem::path& path) const;
  void restore(const std::filesystem::path& path);
  // The same snapshot as bytes, for callers that keep it inside a file of their own (`where`
  // names that file in errors).
  std::string snapshot_bytes() const;
  void restore_bytes(std::string_view bytes, const std::string& where);

  DetectorStats stats() const;
  const DetectorOptions& options() const;
  // Labels of the adaptive banks in bank order (ENS: newest update first).
  std::vector<std::string> far_labels() const;
  std::vector<std::string> near_labels() const;

  struct State;  // opaque: defined in src/ood
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ants
