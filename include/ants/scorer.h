// ants/scorer.h — one OOD method over one CLIP model: the ID prompts, the negative bank and (for
// ANTS) the streaming detector, scoring image embeddings batch by batch. The names of methods,
// modes, rules and the authors' presets as users type them live here too, so every front end
// (CLI, Python, server) parses them the same way.
//
// Threading: an OodScorer runs on the calling thread (the CLIP engine uses its own threads
// inside); one stream per scorer. Errors: ants::Error; an image that could not be read is never
// an exception but a row with `error` set.
#pragma once

#include <ants/callbacks.h>
#include <ants/clip.h>
#include <ants/detector.h>
#include <ants/embed.h>
#include <ants/export.h>
#include <ants/mllm.h>
#include <ants/negatives.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ants {

enum class Method { ants, neglabel, mcm, adaneg, csp, eoe };

// EOE (Envisioning Outlier Exposure, ICML 2024; docs/method.md §12): an LLM envisions outlier
// class names from the ID class names (text only, Mllm::complete), which become the negative
// labels; score = max_ID softmax − β · max_outlier softmax over [ID | outlier] logits / τ.
enum class EoeTask { far, near };
struct EoeOptions {
  EoeTask task = EoeTask::far;
  // L. far: names asked for in all, 50 per request (the first request, then follow-ups in the
  // same conversation; at most 2000); near: names asked for per ID class, one request each (at
  // most 100). 0: the reference's default for the task, far 500, near 3.
  int count = 0;
  double beta = 1.0;            // weight of the outlier term (the ANTS authors' script: 1)
  double tau = 1.0;             // softmax temperature
  bool cosine_logits = false;   // logits are cosines (the EOE repository) instead of the model's
                                // logit scale × cosine (the ANTS authors' eoe postprocessor)
  std::string prompt_template = "a photo of a {}.";  // ID and outlier names (text_prompt simple)
};

// Names as users type them ("ants", "far_only", "head", ...); each parser throws
// Error(invalid_argument) naming the option and the accepted values.
ANTS_API Method parse_method(const std::string& name);
ANTS_API const char* method_name(Method m);
ANTS_API AdaNegScore parse_adaneg_score(const std::string& name);  // combine, adaonly, vanillaonly, multiply
ANTS_API const char* adaneg_score_name(AdaNegScore s);
ANTS_API EoeTask parse_eoe_task(const std::string& name);  // far, near
ANTS_API const char* eoe_task_name(EoeTask t);
// The settings of EOE's published runs: "ants" (the ANTS authors' scripts/ood/eoe/official.sh:
// β 1, τ 1 on logit-scaled cosines, "a photo of a {}.") and "official" (the EOE repository's
// ImageNet run: β 0.25, τ 1 on plain cosines, "a photo of a {}"). Throws for another name.
ANTS_API void apply_eoe_preset(EoeOptions& options, const std::string& name);
ANTS_API FusionMode parse_fusion_mode(const std::string& name);
ANTS_API const char* fusion_mode_name(FusionMode m);
ANTS_API ThresholdRule parse_threshold_rule(const std::string& name);
ANTS_API const char* threshold_rule_name(ThresholdRule r);
// Rules with a value, as "--lambda-rule" and "--near-select" take them: "head", "paper", "log",
// "exp" or "fixed:X" (λ in [0, 1]) into lambda_rule and lambda_fixed; "top:K", "ratio:δ" (in
// (0, 1]) or "all" into near_select and similar_limit / near_ratio. The *_spec functions give the
// text back ("fixed:0.5", "top:40").
ANTS_API void set_lambda_rule(DetectorOptions& options, const std::string& spec);
ANTS_API std::string lambda_rule_spec(const DetectorOptions& options);
ANTS_API void set_near_select(DetectorOptions& options, const std::string& spec);
ANTS_API std::string near_select_spec(const DetectorOptions& options);

// The settings of the authors' scripts (method.md §7): "paper-far" (far_only, activation-aware ENS
// over 500 negatives, E_max 10) and "paper-near" (near_only, VSNL from the first batch, no ENS).
// Fields a preset leaves alone are nullopt.
struct DetectorPreset {
  std::optional<FusionMode> mode;
  std::optional<int> ens_stop_step;
  std::optional<bool> activation_aware;
  std::optional<size_t> activation_count;
  std::optional<int> near_start_batch;
};
ANTS_API std::vector<std::string> preset_names();
ANTS_API DetectorPreset detector_preset(const std::string& name);  // throws for an unknown name
// Sets the preset's fields in `options`, except those named in `keep` (the caller's explicit
// choices, by DetectorOptions field name: "mode", "ens_stop_step", "activation_aware",
// "activation_count", "near_start_batch").
ANTS_API void apply_preset(const DetectorPreset& preset, DetectorOptions& options,
                           const std::set<std::string>& keep = {});

struct ScorerOptions;
// Every option above (and the bank's) by the name users type: the CLI's long option without
// "--", dashes as underscores ("eta", "near_select", "mode", "ens_updates", "no_permute", "count",
// ...), from its text ("0.5", "ratio:0.08", "true"). Python's keyword arguments and `ants ablate`'s
// grid files go through it. Throws Error(invalid_argument) naming the option for an unknown name
// or a bad value.
ANTS_API std::vector<std::string> scorer_option_names();
ANTS_API void set_scorer_option(ScorerOptions& options, const std::string& name, const std::string& value);
// Several at once, in order, except that a preset among them ("eoe_preset") comes first, so that
// the options given beside it win wherever they stand.
ANTS_API void set_scorer_options(ScorerOptions& options, const std::vector<std::pair<std::string, std::string>>& values);

struct ScorerOptions {
  Method method = Method::ants;
  DetectorOptions detector;              // ANTS constants; NegLabel uses the grouping ones, AdaNeg `permute`
  AdaNegOptions adaneg;                  // AdaNeg's own
  CspOptions csp;                        // CSP's own: it builds its own ID ensembles and bank from
                                         // neglabel.corpus_dir (negatives_file / _bank do not apply)
  EoeOptions eoe;                        // EOE's own: its bank is what the MLLM envisions
  NegLabelOptions neglabel;              // count, corpus, cache; its id_template and text_batch also
                                         // make every method's ID prompts
  std::filesystem::path negatives_file;  // fixed negative bank instead of the NegLabel selection
  std::optional<FeatureMatrix> negatives_bank;  // or one already embedded (e.g. a NegLabelBank's,
                                                // built once for several scorers); rows of the model's dim
};

struct ScoredImage {
  std::string file;    // the image's name
  int pred = -1;       // ID class index (argmax of the ID logits)
  float prob = 0;      // softmax over the ID classes only
  float score = 0;     // higher = more in-distribution
  std::string error;   // set when the image could not be read (other fields then unset)
  float far = 0;       // ANTS: S_ens and S_vsnl before fusion (detector.h); other methods: = score
  float near = 0;
};

// One detector batch's bookkeeping, for traces and reports: the detector's counters after it
// (stats.batches numbers the batch; the stateless methods count batches only).
struct BatchTrace {
  DetectorStats stats;
  std::vector<std::string> new_far, new_near;  // labels that entered the banks in this batch
};

class ANTS_API OodScorer {
 public:
  // Builds the text banks (NegLabel selection through the cache, or `negatives_file`). `mllm`
  // may be null (ANTS then equals NegLabel); it must outlive the scorer. `progress` counts the
  // texts embedded.
  // `model` (a ClipModel, or another text encoder) must outlive the scorer.
  OodScorer(const TextModel& model, std::vector<std::string> classes, const ScorerOptions& options, Mllm* mllm,
            const ProgressFn& progress = {});
  ~OodScorer();
  OodScorer(const OodScorer&) = delete;
  OodScorer& operator=(const OodScorer&) = delete;

  // Scores one detector batch in order; entries with an error are passed through unscored and do
  // not reach the detector. `images` (same count, or empty) are what the MLLM describes; when
  // empty, each embedding's `file` is taken as a file path.
  std::vector<ScoredImage> score(const std::vector<ImageEmbedding>& batch, const std::vector<ImageRef>& images = {});
  const BatchTrace& last_trace() const;

  void reset();
  void reset(uint64_t seed);  // a stream whose random draws follow `seed` (AntsDetector::reset)
  void snapshot(const std::filesystem::path& path) const;  // ANTS and AdaNeg (others are stateless)
  void restore(const std::filesystem::path& path);
  // The detector snapshot as bytes (empty for the stateless methods); restore_bytes of an empty
  // string does nothing for them and is a format error for ANTS and AdaNeg. `where` names the
  // file in errors.
  std::string snapshot_bytes() const;
  void restore_bytes(std::string_view bytes, const std::string& where);
  // What identifies this scorer's outputs, as a JSON object (text): method, model (hash of the
  // weights, config, tokenizer and precision), ID classes, prompt template, negative bank (rows
  // and a hash of its embeddings) and every detector option. run.json records it; a resumed
  // stream must match it.
  std::string setup_json() const;
  DetectorStats stats() const;
  Method method() const;
  const std::vector<std::string>& classes() const;
  size_t negatives() const;
  // AdaNeg: labels whose memory holds images, and the images held (else 0).
  size_t memory_labels() const;
  size_t memory_images() const;
  std::vector<std::string> far_labels() const;   // ANTS: the ENS bank's labels; EOE: the envisioned
                                                 // outlier names (else empty)
  std::vector<std::string> near_labels() const;  // ANTS: the VSNL bank's labels (else empty)
  // ANTS: AntsDetector::pending_images / relink_pending_images (else empty / nothing).
  std::vector<ImageRef> pending_images() const;
  void relink_pending_images(const std::function<std::filesystem::path(const std::string& hash)>& find);
  std::vector<std::string> warnings() const;  // e.g. cache problems while building the banks

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ants
