// ants/detector.h — zero-shot OOD scores from CLIP features: MCM, NegLabel and the streaming ANTS
// detector (method.md §3–§4, HEAD behaviour of the authors' code unless an option says otherwise).
//
// Layouts: every feature matrix is row-major float32, one L2-normalised row per text or image,
// `dim` columns (the CLIP embedding width). Scores are in [0, 1], higher = more in-distribution.
// Threading: a detector is not thread-safe; one stream per detector. The scoring functions are
// pure and may run concurrently. Errors: ants::Error (invalid_argument for inconsistent shapes).
#pragma once

#include <ants/error.h>
#include <ants/export.h>
#include <ants/matrix.h>
#include <ants/mllm.h>

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

// Per image of a scored batch.
struct DetectorScore {
  int pred = 0;       // argmax over the ID logits (plain zero-shot CLIP)
  float score = 0;    // the detector's output: higher = more in-distribution
  float base = 0;     // the NegLabel score S_nl
  float far = 0;      // S_ens (ENS bank; base while the bank is empty)
  float near = 0;     // S_vsnl (VSNL bank; base while the bank is empty)
  float lambda = 0;   // the fusion weight of this batch (mode ada), else 1 (far_only) / 0 (near_only)
};

// Plain zero-shot CLIP over the ID prompts at `logit_scale`: per image the predicted class
// (argmax of the logits) and its softmax probability over the ID classes.
struct ZeroShot {
  std::vector<int> pred;
  std::vector<float> prob;
};
ANTS_API ZeroShot zero_shot(const FeatureMatrix& images, const FeatureMatrix& id_texts, float logit_scale);

// MCM: max softmax over the ID prompts at `logit_scale` (zero_shot's prob). `images` and
// `id_texts` share dim.
ANTS_API std::vector<float> mcm_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts, float logit_scale);

// NegLabel: the grouped ID mass of method.md §3.3 against `negatives` with groups of `group_size`
// columns, after the seed-0 torch randperm unless `permute` is false (plain softmax when the bank
// has ≤ group_size rows).
// Also returns the predicted class of each image in `preds` when not null.
ANTS_API std::vector<float> neglabel_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts,
                                   const FeatureMatrix& negatives, float logit_scale, size_t group_size = 100,
                                   std::vector<int>* preds = nullptr, bool permute = true);

// Encodes texts to unit feature rows (the CLIP text tower); used for ENS sentences and VSNL labels.
using TextEncoder = std::function<FeatureMatrix(const std::vector<std::string>& texts)>;

enum class FusionMode { ada, far_only, near_only };
// head: the authors' code (histogram jump + η-percentile of the whole history, §4.3).
// paper: Eq. 5–6 (the η lowest fraction of scores below γ0; γ* = the largest of them).
// fixed: γ stays γ0 (Table 3 row A): ENS still mines and fires, γ is never updated.
enum class ThresholdRule { head, paper, fixed };
// λ of S = λ·S_ens + (1−λ)·S_vsnl (docs/method.md §4.9).
// head: F(a, b) = a / (a + b) with a, b = 1 − the means of the balanced scores over every image
//   since reset.
// paper: the same F with a, b = 1 − the means of the plain S_ens / S_vsnl over the mined negative
//   images only (those whose S_nl is below the γ in force when their batch arrives).
// log, exp: ants' own weight functions over the paper's a and b (Table 9 names them without a
//   formula): log: ln(1+a) / (ln(1+a) + ln(1+b)); exp: e^a / (e^a + e^b).
// fixed: λ = DetectorOptions::lambda_fixed for every batch (Table 3 row E, Fig. 7c).
enum class LambdaRule { head, paper, fixed, log, exp };
// Which ID classes VSNL asks the MLLM about (§4.6, Eq. 10–11).
// top: the `similar_limit` classes predicted most often over every image since reset (HEAD).
// ratio: the round(near_ratio · N) classes predicted most often among the mined negative images
//   since reset (the paper's δ); ties by first occurrence.
// all: every ID class, in class-list order.
enum class NearSelect { top, ratio, all };

// AdaNeg (method.md §10), with the defaults of its authors' ImageNet script
// (scripts/ood/adaneg/imagenet.sh in the ANTS repository). Its negatives are the NegLabel bank
// and its groups follow DetectorOptions::permute, as for ANTS.
enum class AdaNegScore { combine, adaonly, vanillaonly, multiply };
struct AdaNegOptions {
  double thres = 0.5;  // memory admission: ID above thres + gap(1 − thres), negative below thres − gap·thres
  double gap = 0.5;
  int memory = 10;      // memleng: slots per label, its text feature's included (memory − 1 images)
  double lambda = 0.1;  // weight of the second term of the prediction and of `combine`
  double beta = 5.5;    // samada's similarity sharpness, truncated to an integer as the reference does
  int groups = 5;       // the negative columns form this many groups (K mod groups dropped first)
  bool samada = false;  // per-image proxies weighted by similarity (the reference's samada)
  AdaNegScore score = AdaNegScore::combine;
};

// Every constant of method.md §7 (docs/), with the reference's defaults.
struct DetectorOptions {
  FusionMode mode = FusionMode::ada;
  ThresholdRule threshold_rule = ThresholdRule::head;
  LambdaRule lambda_rule = LambdaRule::head;
  double lambda_fixed = 0.5;         // λ of LambdaRule::fixed, in [0, 1]
  NearSelect near_select = NearSelect::top;
  double near_ratio = 0.08;          // δ of NearSelect::ratio, in (0, 1] (double: round(δ·N) of the decimal)
  float eta = 0.5f;                  // η: percentile of the threshold rule
  float gamma0 = 0.8f;               // initial candidate threshold
  int ens_stop_step = 20;            // E_max: ENS updates per stream
  size_t min_candidates = 200;       // ENS fires when strictly more are pending
  size_t queue_cap = 10000;          // ENS bank rows (keep-oldest on overflow)
  int group_num = 100;               // groups of every grouped score: see group_size()
  bool permute = true;               // seed-0 randperm before grouping (NegLabel too)
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
  // Fig. 7a: this share of every batch of new ENS labels (round(P·count) of them) is replaced by
  // ID class names drawn uniformly; the draws follow the stream's seed (reset(seed)). 0: off.
  double ens_id_noise = 0;
  // Fig. 7f, a captioner-only MLLM: never ask for similar classes (VSNL stays empty).
  bool caption_only = false;

  // Columns per group of every grouped score (the NegLabel base, ENS, VSNL, and NegLabel on its
  // own): queue_cap / group_num, as the reference derives it from the ENS capacity constant
  // rather than from the bank size (100 with the defaults).
  size_t group_size() const { return queue_cap / static_cast<size_t>(group_num > 0 ? group_num : 1); }
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
  size_t memory_labels = 0, memory_images = 0;  // AdaNeg: labels whose memory holds images; images held
};

namespace ood {
struct DetectorImpl;  // the detector's state and setup, private to libants
}

// The ANTS streaming detector. Stateful: results depend on every batch since reset().
class ANTS_API AntsDetector {
 public:
  // id_texts: N rows ("The nice {class}."), negatives: the NegLabel bank (M rows), class_names:
  // N names (indexed by pred, sent to the MLLM). `mllm` may be null (no adaptive banks: the
  // detector is NegLabel); it must outlive the detector.
  AntsDetector(FeatureMatrix id_texts, FeatureMatrix negatives, float logit_scale, std::vector<std::string> class_names,
               TextEncoder encoder, Mllm* mllm, DetectorOptions options = {});
  ~AntsDetector();
  AntsDetector(const AntsDetector&) = delete;
  AntsDetector& operator=(const AntsDetector&) = delete;

  // Scores one batch of image features (rows = images). `image_refs` (same count, or empty) are
  // the original images the MLLM describes; without them ENS never updates.
  std::vector<DetectorScore> process(const FeatureMatrix& images, const std::vector<ImageRef>& image_refs = {});

  // reset() and restore() drop the MLLM's late answers waiting to be polled (they belong to the
  // stream before); answers still in flight arrive later, so reproducible runs use a sync MLLM.
  void reset();
  // reset() for a stream whose random draws (ens_id_noise) follow `seed`; reset() keeps the seed
  // in use (0 at construction).
  void reset(uint64_t seed);
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
  // The mined images waiting to be described (ENS candidates), in order. A snapshot keeps each
  // as its path, or only its content hash when it was held in memory; relink_pending_images()
  // lets a caller that kept those bytes elsewhere (a server's state directory) point the
  // restored candidates there: `find(hash)` returns a file with the bytes, or an empty path.
  std::vector<ImageRef> pending_images() const;
  void relink_pending_images(const std::function<std::filesystem::path(const std::string& hash)>& find);

 private:
  std::unique_ptr<ood::DetectorImpl> impl_;
};

}  // namespace ants
