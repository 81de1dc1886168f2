// ants/eval.h — OOD detection quality on ID + OOD image sets, the OpenOOD v1.5 protocol
// (docs/method.md §6.2): per OOD set and seed, a reset stream of OOD then ID images in
// torch_randperm order, scored in detector batches, with metrics, traces and the output files and
// report of `ants eval`.
#pragma once

#include <ants/callbacks.h>
#include <ants/clip.h>
#include <ants/embed.h>
#include <ants/export.h>
#include <ants/inputs.h>
#include <ants/metrics.h>
#include <ants/mllm-client.h>
#include <ants/scorer.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ants {

struct OodSet {
  std::string name;
  std::string split;  // "near", "far" or ""
  std::vector<LabeledImage> images;
};

// An OOD set as users write it: NAME=LIST[:near|far], LIST an image list or a directory
// (read_image_set, paths relative to `data_root`). Throws Error(invalid_argument) when malformed.
ANTS_API OodSet parse_ood_set(const std::string& spec, const std::filesystem::path& data_root);

// One (OOD set, seed) run of an evaluation.
struct RunKey {
  std::string set;
  uint32_t seed = 0;
  bool operator==(const RunKey&) const = default;
};

// "SET:SEED[,SET:SEED...]" as `eval --runs` takes it (a set name may hold ':'; the seed follows the
// last one). Throws Error(invalid_argument) when malformed.
ANTS_API std::vector<RunKey> parse_run_keys(const std::string& text);

// The order of a run's stream (the paper's temporal-shift study, supplement Fig. 8).
// shuffle: every image in torch_randperm(n, seed) order (the reference's shuffled loader).
// id_first / ood_first: the ID images, then the OOD images (or the reverse), each block in
// torch_randperm(block size, seed) order.
// near_then_far / far_then_near (joint streams with near and far sets): two blocks, the near OOD
// images with a share of the ID images, then the far OOD images with the rest (or the reverse).
// The ID images, in torch_randperm(n_id, seed) order, are split in proportion to the blocks' OOD
// counts (the first block takes round(n_id · n_first / n_ood)); each block in
// torch_randperm(block size, seed) order.
enum class StreamOrder { shuffle, id_first, ood_first, near_then_far, far_then_near };
// "shuffle", "id-first", "ood-first", "near-then-far", "far-then-near"; throws
// Error(invalid_argument) naming --order otherwise.
ANTS_API StreamOrder parse_stream_order(const std::string& name);
ANTS_API const char* stream_order_name(StreamOrder order);

// per_set: the reference's protocol, one reset stream per OOD set (ID images re-scored each time).
// joint: per seed, one stream of the ID images and every OOD set, without resets; each set's
// metrics come from its OOD images and the ID images of that one stream.
enum class StreamKind { per_set, joint };
ANTS_API StreamKind parse_stream_kind(const std::string& name);  // "per-set", "joint"
ANTS_API const char* stream_kind_name(StreamKind kind);

struct EvalOptions {
  std::vector<uint32_t> seeds{0};
  StreamOrder order = StreamOrder::shuffle;
  StreamKind stream = StreamKind::per_set;  // joint: not with `runs` or `ood_ratio`
  size_t batch = 256;  // detector batch
  ImageEmbedOptions features;
  // Empty: every OOD set × seed. Otherwise only these runs (each set one of the OOD sets, each
  // seed one of `seeds`), and only their images are embedded: one part of an evaluation spread
  // over several processes, put together by merge_eval_outputs.
  std::vector<RunKey> runs;
  // The paper's ID:OOD ratio protocol: each run keeps round(R·n_id) of its set's OOD images, the
  // first of torch_randperm(n_ood, seed) in list order; when the set has fewer, all of them and
  // round(n_ood/R) ID images chosen the same way (halves round away from zero). Unset: all.
  std::optional<double> ood_ratio;
};

struct SetRun {  // one OOD set, one seed (of a joint stream: that set's OOD images and the ID images)
  std::string set;
  uint32_t seed = 0;
  OodMetrics metrics;
  std::optional<double> acc;
  std::vector<LabeledImage> order;   // the shuffled stream (scored images only)
  std::vector<ScoredImage> scores;   // same order
  std::vector<BatchTrace> trace;
};

// What an evaluation ran on, for run.json: how many images each list holds and a hash of its
// files and labels, so that the parts of one evaluation can be checked to share their inputs.
struct EvalInput {
  std::string name, split;  // the OOD set's; name "" for the ID images
  size_t images = 0;
  std::string hash;         // XXH3-128 hex of the (file, label) list
};

struct EvalResult {
  std::vector<EvalInput> inputs;              // the ID images, then every OOD set (all, not only `runs`')
  std::vector<RunKey> selected;               // EvalOptions::runs as given (empty: all runs)
  std::vector<SetRun> runs;                   // set-major, then seed
  std::vector<ImageEmbedding> failed;         // unreadable images (file + error), each once
  std::vector<std::string> warnings;          // image-cache problems
  size_t images = 0, cache_hits = 0;
  size_t scored = 0;                          // images scored (a joint stream's ID images once per seed)
  double embed_s = 0, score_s = 0;
  bool cancelled = false;                     // stopped by the cancel hook: runs are incomplete
};

using EvalProgress = std::function<void(const std::string& set, size_t done, size_t total)>;

// For each OOD set and seed: reset, stream OOD then ID shuffled by torch_randperm(n, seed), score
// in batches, compute metrics. Every image is embedded once (through the cache). Unreadable
// images are shuffled with the others and then left out of their batch, so they change neither
// the order nor the batch of any other image.
ANTS_API EvalResult run_eval(const ClipModel& model, OodScorer& scorer, const std::vector<LabeledImage>& id_images,
                    const std::vector<OodSet>& ood_sets, const EvalOptions& options,
                    const EvalProgress& progress = {}, const CancelFn& cancel = {});

// What run.json records besides the results: `run_json` is a JSON object (text) with the caller's
// facts (versions, model, options, MLLM statistics); timings, counts, skipped files and
// `warnings` are added to it.
struct EvalRunInfo {
  std::string method = "ants", mode = "ada";
  std::string run_json = "{}";
  std::vector<std::string> warnings;
};

// The names a user gave for what the run used, for run.json.
struct EvalFacts {
  std::string model_dir, classes, preprocess, preset;
  std::string mode = "ada";
  bool mllm = false;                     // an MLLM was attached to the scorer
  std::optional<MllmStats> mllm_stats;   // its counters after the run (the HTTP client has them)
  std::string prompt_ens = "default", prompt_vsnl = "default";  // MllmClient::prompt_origin
  bool reference = false;  // the CLI's --reference (fp32, reference MLLM parsing)
};
// The EvalRunInfo of a finished run: method and mode; run.json's facts (ants version, model,
// precision, classes, negatives, the scorer's setup, the MLLM counters, and "prompts" when one is
// not the default); as warnings, that ANTS ran
// without an MLLM (= NegLabel) and the scorer's own warnings.
ANTS_API EvalRunInfo eval_run_info(const ClipModel& model, const OodScorer& scorer, const EvalFacts& facts);

// metrics.json's object (see below) as compact JSON text, without writing anything.
ANTS_API std::string eval_metrics_json(const EvalResult& result, const std::vector<OodSet>& ood_sets,
                                       const EvalOptions& options, const EvalRunInfo& info);

// Writes metrics.json (per set and per near/far split; metrics in percent, mean and sample std
// over seeds), metrics.csv (OpenOOD style, ×100 with two decimals), scores.csv, trace.csv,
// negatives.json, run.json and report.html (self-contained: metrics, ROC curves, score histograms,
// γ/λ traces, mined negatives, warnings) into `out_dir` (created), each atomically.
// Returns the metrics.json object as compact JSON text.
ANTS_API std::string write_eval_outputs(const std::filesystem::path& out_dir, const EvalResult& result,
                                        const std::vector<OodSet>& ood_sets, const EvalOptions& options,
                                        const EvalRunInfo& info);

// Puts together the --out directories of evals that each computed some runs of one evaluation
// (`eval --runs`, e.g. one per cluster task) into `out_dir`: metrics.json, metrics.csv,
// scores.csv, trace.csv and negatives.json exactly as one eval over all runs writes them, run.json
// the same apart from timings, cache and MLLM counters (summed) and warnings (each part's, once),
// and report.html. Throws
// Error(invalid_argument) naming the directories and what differs when they come from different
// models, options, seeds or inputs, when a run is in two of them or in none; Error(io/format)
// naming the file that cannot be read.
struct MergedEval {
  std::string metrics_json;          // the metrics.json object, compact
  std::vector<std::string> skipped;  // the evaluation's unreadable images (run.json "skipped")
};
ANTS_API MergedEval merge_eval_outputs(const std::filesystem::path& out_dir, const std::vector<std::filesystem::path>& parts);

namespace pipeline {
// Reads metrics.json, run.json and scores.csv (and trace.csv and negatives.json when present)
// from `out_dir` and writes `out_dir`/report.html atomically: one self-contained page (inline
// CSS and SVG, no script, no network) with a summary, the metrics table, a ROC curve and ID/OOD
// score histograms per OOD set, γ/λ over batches, the mined negatives and the warnings.
// `ants eval` calls it last; `ants report DIR` calls it alone. Throws Error (io: a required file
// is missing; format: a file is malformed) naming the file.
ANTS_API void write_report_html(const std::filesystem::path& out_dir);
}  // namespace pipeline

}  // namespace ants
