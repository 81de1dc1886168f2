// ants/pipeline.h — from image files to OOD scores: inputs, ID class lists, cached image
// embeddings, the streaming scorer behind `ants detect`, and the OpenOOD-protocol evaluation
// behind `ants eval` (spec §6.2).
//
// Threading: an OodScorer or an evaluation runs on the calling thread (the CLIP engine and the
// image decoder use their own threads inside). Errors: ants::Error; a file that cannot be read is
// never an exception but a result with `error` set.
#pragma once

#include <ants/clip.h>
#include <ants/detector.h>
#include <ants/embed.h>
#include <ants/metrics.h>
#include <ants/negatives.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants {

// ---- inputs ----

// jpg, jpeg, png, webp or bmp, in any case.
bool has_image_extension(const std::filesystem::path& path);
// Files as given (whatever their name, and also when they do not exist: reading them then fails
// like reading any bad image, so one mistyped name never stops a run); directories walked
// recursively, keeping files with an image extension, sorted by path. Throws Error(io) only
// when a directory cannot be listed.
std::vector<std::string> collect_image_files(const std::vector<std::string>& inputs);

constexpr int kOodLabel = -1;
constexpr int kUnknownIdLabel = -2;  // in-distribution, class not known (no accuracy)
struct LabeledImage {
  std::string file;
  int label = kUnknownIdLabel;  // ID class index ≥ 0, kOodLabel, or kUnknownIdLabel
};
// An OpenOOD image list: `relative/path label` per line (blank and '#' lines skipped), paths
// relative to `data_root`. With `ood`, every label becomes -1 (an OOD list's labels are
// meaningless). Errors name the file and line.
std::vector<LabeledImage> read_image_list(const std::filesystem::path& list, const std::filesystem::path& data_root,
                                          bool ood);

// The built-in lists "imagenet" (the reference's 1000 CLIP names), "cifar10", "cifar100", or else
// a class-list file (read_class_list). Throws Error(invalid_argument) when it is neither.
std::vector<std::string> load_classes(const std::string& name_or_file, std::vector<std::string>* warnings = nullptr);
std::vector<std::string> builtin_class_list_names();

// ---- image embeddings with an on-disk cache ----

// The model's preprocessing under a preset name: "clip" (resize to the input size, centre crop)
// or "openood" (resize to round(size·8/7), i.e. 256 for 224, then crop). Throws
// Error(invalid_argument) for another name.
PreprocessParams preprocess_preset(const ClipModel& model, const std::string& preset);

struct ImageFeatureOptions {
  int infer_batch = 32;          // images per forward pass
  PreprocessParams preprocess;   // e.g. model.preprocess_params() or openood_preprocess_params(...)
  std::string preprocess_name;   // part of the cache key ("clip", "openood")
  CacheOptions cache;            // per image: model, precision, preprocessing and file content
};
using ImageProgress = std::function<void(size_t done, size_t total)>;

// One result per file, in order (ImageEmbedding: embedding or error).
std::vector<ImageEmbedding> embed_images_cached(const ClipModel& model, const std::vector<std::string>& files,
                                                const ImageFeatureOptions& options, const ImageProgress& progress = {},
                                                size_t* cache_hits = nullptr);

// ---- scoring a stream ----

enum class Method { ants, neglabel, mcm };
Method parse_method(const std::string& name);
const char* method_name(Method m);

struct ScorerOptions {
  Method method = Method::ants;
  DetectorOptions detector;               // ANTS constants; group size for NegLabel
  std::string id_template = "The nice {}.";
  std::filesystem::path negatives_file;   // fixed negative bank instead of the NegLabel selection
  NegLabelOptions neglabel;               // count, corpus, templates, cache
  int text_batch = 256;
};

struct ScoredImage {
  std::string file;
  int pred = -1;       // ID class index (argmax of the ID logits)
  float prob = 0;      // softmax over the ID classes only
  float score = 0;     // higher = more in-distribution
  std::string error;   // set when the file could not be read (other fields then unset)
};

// One detector batch's bookkeeping, for traces and reports.
struct BatchTrace {
  int64_t batch = 0;
  float gamma = 0, lambda = 0;
  size_t far_rows = 0, near_rows = 0;
  int ens_updates = 0, vsnl_updates = 0;
  std::vector<std::string> new_far, new_near;  // labels that entered the banks in this batch
};

// The ID prompts, the negative bank and (for ANTS) the streaming detector over one model.
class OodScorer {
 public:
  // Builds the text banks (NegLabel selection through the cache, or `negatives_file`). `mllm`
  // may be null (ANTS then equals NegLabel); it must outlive the scorer.
  OodScorer(const ClipModel& model, std::vector<std::string> classes, const ScorerOptions& options, Mllm* mllm,
            const EmbedProgress& progress = {});
  ~OodScorer();
  OodScorer(const OodScorer&) = delete;
  OodScorer& operator=(const OodScorer&) = delete;

  // Scores one detector batch in order; entries with an error are passed through unscored and do
  // not reach the detector.
  std::vector<ScoredImage> score(const std::vector<ImageEmbedding>& batch);
  const BatchTrace& last_trace() const;

  void reset();
  void snapshot(const std::filesystem::path& path) const;  // ANTS only (others are stateless)
  void restore(const std::filesystem::path& path);
  // The detector snapshot as bytes (empty for the stateless methods); restore_bytes of an empty
  // string does nothing for them and is a format error for ANTS. `where` names the file in errors.
  std::string snapshot_bytes() const;
  void restore_bytes(std::string_view bytes, const std::string& where);
  // What identifies this scorer's outputs, as a JSON object (text): method, model (hash of the
  // weights, config, tokenizer and precision), ID classes, prompt template, negative bank (rows
  // and a hash of its embeddings) and every detector option. run.json records it; a resumed
  // stream must match it.
  std::string setup_json() const;
  DetectorStats stats() const;
  const std::vector<std::string>& classes() const;
  size_t negatives() const;
  std::vector<std::string> warnings() const;  // e.g. cache problems while building the banks

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- resumable streams (`detect --state`) ----

// Where a stream stopped. One file holds it together with the detector snapshot and is written
// atomically, so after a crash the position and the detector state always belong together.
struct StreamCheckpoint {
  std::string setup;          // stream_setup(): what must match for the position to mean the same
  uint64_t consumed = 0;      // inputs of the list already scored
  uint64_t output_bytes = 0;  // size of the rows file when saved (0 when the rows go to stdout)
};

// The scorer's setup_json() plus the preprocessing, the detector batch and a hash of the input
// list (the paths in order), as a JSON object (text).
std::string stream_setup(const OodScorer& scorer, const ImageFeatureOptions& features, size_t batch,
                         const std::vector<std::string>& files);
// Layout: "ANTSSTRM", u32 version, the JSON head (setup, consumed, output_bytes) and then the
// scorer's snapshot_bytes(), each after its u64 length, and an XXH3-128 checksum of all of it.
void save_checkpoint(const std::filesystem::path& path, const StreamCheckpoint& checkpoint, const OodScorer& scorer);
// nullopt when `path` does not exist. Otherwise restores the scorer and returns the position.
// Throws Error(invalid_argument) naming the first setting that differs ("method", "model",
// "detector options", "inputs", ...) when the checkpoint belongs to another setup, and
// Error(format) when the file is damaged.
std::optional<StreamCheckpoint> load_checkpoint(const std::filesystem::path& path, const std::string& setup,
                                                OodScorer& scorer);

// ---- evaluation (OpenOOD protocol, spec §6.2) ----

struct OodSet {
  std::string name;
  std::string split;  // "near", "far" or ""
  std::vector<LabeledImage> images;
};

struct EvalOptions {
  std::vector<uint32_t> seeds{0};
  size_t batch = 256;  // detector batch
  ImageFeatureOptions features;
};

struct SetRun {  // one OOD set, one seed
  std::string set;
  uint32_t seed = 0;
  OodMetrics metrics;
  std::optional<double> acc;
  std::vector<LabeledImage> order;   // the shuffled stream (scored images only)
  std::vector<ScoredImage> scores;   // same order
  std::vector<BatchTrace> trace;
};

struct EvalResult {
  std::vector<SetRun> runs;                   // set-major, then seed
  std::vector<ImageEmbedding> failed;         // unreadable images (file + error), each once
  size_t images = 0, cache_hits = 0;
  double embed_s = 0, score_s = 0;
};

using EvalProgress = std::function<void(const std::string& set, size_t done, size_t total)>;

// For each OOD set and seed: reset, stream OOD then ID shuffled by torch_randperm(n, seed), score
// in batches, compute metrics. Every image is embedded once (through the cache). Unreadable
// images are shuffled with the others and then left out of their batch, so they change neither
// the order nor the batch of any other image.
EvalResult run_eval(const ClipModel& model, OodScorer& scorer, const std::vector<LabeledImage>& id_images,
                    const std::vector<OodSet>& ood_sets, const EvalOptions& options,
                    const EvalProgress& progress = {});

// What run.json records besides the results: `run_json` is a JSON object (text) with the caller's
// facts (versions, model, options, MLLM statistics); timings, counts, skipped files and
// `warnings` are added to it.
struct EvalRunInfo {
  std::string method = "ants", mode = "ada";
  std::string run_json = "{}";
  std::vector<std::string> warnings;
};

// Writes metrics.json (per set and per near/far split; metrics in percent, mean and sample std
// over seeds), metrics.csv (OpenOOD style, ×100 with two decimals), scores.csv, trace.csv,
// negatives.json, run.json and report.html (self-contained: metrics, ROC curves, score histograms,
// γ/λ traces, mined negatives, warnings) into `out_dir` (created), each atomically.
void write_eval_outputs(const std::filesystem::path& out_dir, const EvalResult& result,
                        const std::vector<OodSet>& ood_sets, const EvalOptions& options, const EvalRunInfo& info);

namespace pipeline {
// Reads metrics.json, run.json and scores.csv (and trace.csv and negatives.json when present)
// from `out_dir` and writes `out_dir`/report.html atomically: one self-contained page (inline
// CSS and SVG, no script, no network) with a summary, the metrics table, a ROC curve and ID/OOD
// score histograms per OOD set, γ/λ over batches, the mined negatives and the warnings.
// `ants eval` calls it last; `ants report DIR` calls it alone. Throws Error (io: a required file
// is missing; format: a file is malformed) naming the file. Details: src/pipeline/report-html.h.
void write_report_html(const std::filesystem::path& out_dir);
}  // namespace pipeline

// The built-in demo data: `n_id` images of four simple ID scenes (a red circle, a blue square, a
// green triangle, a yellow star on plain backgrounds; label = scene) under `dir`/id and `n_ood`
// textures (noise, stripes, checkerboards) under `dir`/ood, as 96×96 BMP files whose bytes depend
// only on the index, so they are identical on every machine. Returns the ID images with labels.
std::vector<LabeledImage> write_demo_images(const std::filesystem::path& dir, int n_id, int n_ood);
std::vector<std::string> demo_class_names();
// The scripted MLLM answers shipped for the demo (an --mllm-replay JSONL file, model "ants-demo").
std::string_view demo_mllm_replay();

// RFC 4180 quoting of one CSV field (quotes only when needed).
std::string csv_field(const std::string& s);

}  // namespace ants
