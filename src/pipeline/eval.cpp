// The OpenOOD evaluation protocol (method.md §6.2) with an explicit, reproducible shuffle: per OOD set
// and seed, the detector starts fresh on OOD + ID images in torch_randperm(n, seed) order.
#include <ants/eval.h>

#include <chrono>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "ood/randperm.h"

namespace ants {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Embedded {
  std::unordered_map<std::string, size_t> index;  // file -> row of `results`
  std::vector<ImageEmbedding> results;
};

Embedded embed_all(const ClipModel& model, const std::vector<LabeledImage>& id_images,
                   const std::vector<OodSet>& sets, const EvalOptions& o, const EvalProgress& progress,
                   const CancelFn& cancel, EvalResult& r) {
  Embedded e;
  std::vector<std::string> files;
  auto add = [&](const std::string& f) {
    if (e.index.emplace(f, files.size()).second) files.push_back(f);
  };
  for (const auto& s : sets)
    for (const auto& im : s.images) add(im.file);
  for (const auto& im : id_images) add(im.file);
  const auto t0 = std::chrono::steady_clock::now();
  EmbedReport report;
  e.results = embed_image_files(model, files, o.features, [&](size_t done, size_t total) {
    if (progress) progress("embedding", done, total);
  }, &report, cancel);
  if (!report.not_cached.empty() && !report.cancelled) {
    core::fail(ErrorCode::invalid_argument, "--require-cached",
               std::to_string(report.not_cached.size()) + " of " + std::to_string(files.size()) +
                   " images are not in the embedding cache (e.g. " + report.not_cached.front() +
                   "); embed them first with the same model, precision and preprocessing");
  }
  r.cache_hits = report.cache_hits;
  r.warnings = std::move(report.warnings);
  r.cancelled = report.cancelled;
  r.embed_s = seconds_since(t0);
  r.images = files.size();
  for (const auto& x : e.results)
    if (!x.error.empty() && !r.cancelled) r.failed.push_back(x);
  return e;
}

// OOD first, as the reference concatenates. Unreadable images stay in the stream until after the
// shuffle (run_one drops them), so one bad file never changes the order or the batches of the
// others.
std::vector<LabeledImage> stream_of(const OodSet& set, const std::vector<LabeledImage>& id_images) {
  std::vector<LabeledImage> stream;
  for (const auto& im : set.images) stream.push_back({im.file, kOodLabel});
  stream.insert(stream.end(), id_images.begin(), id_images.end());
  return stream;
}

void compute_metrics(SetRun& run) {
  std::vector<double> id, ood;
  std::vector<int> pred, label;
  for (size_t i = 0; i < run.order.size(); ++i) {
    const int l = run.order[i].label;
    (l == kOodLabel ? ood : id).push_back(run.scores[i].score);
    if (l >= 0) {
      pred.push_back(run.scores[i].pred);
      label.push_back(l);
    }
  }
  run.metrics = ood_metrics(id, ood);
  run.acc = accuracy(pred, label);
}

SetRun run_one(OodScorer& scorer, const OodSet& set, const std::vector<LabeledImage>& stream, uint32_t seed,
               const Embedded& e, const EvalOptions& o, const EvalProgress& progress, const CancelFn& cancel,
               bool& cancelled) {
  SetRun run;
  run.set = set.name;
  run.seed = seed;
  const auto perm = ood::torch_randperm(static_cast<uint32_t>(stream.size()), seed);
  scorer.reset();
  for (size_t first = 0; first < perm.size(); first += o.batch) {
    if (cancel && cancel()) {
      cancelled = true;
      return run;
    }
    const size_t last = std::min(perm.size(), first + o.batch);
    std::vector<ImageEmbedding> batch;
    for (size_t i = first; i < last; ++i) batch.push_back(e.results[e.index.at(stream[perm[i]].file)]);
    const auto scored = scorer.score(batch);  // unreadable images come back unscored
    for (size_t i = first; i < last; ++i) {
      if (!scored[i - first].error.empty()) continue;
      run.order.push_back(stream[perm[i]]);
      run.scores.push_back(scored[i - first]);
    }
    run.trace.push_back(scorer.last_trace());
    if (progress) progress(set.name, last, perm.size());
  }
  compute_metrics(run);
  return run;
}

// Fails before any scoring, with the reason, for what would otherwise surface later as an
// opaque metrics error or silently wrong numbers.
void check_sets(const std::vector<LabeledImage>& id_images, const std::vector<OodSet>& sets, size_t n_classes) {
  std::set<std::string> names;
  for (const auto& s : sets) {
    if (s.name.empty()) core::fail(ErrorCode::invalid_argument, "eval", "an OOD set has no name");
    if (!names.insert(s.name).second)
      core::fail(ErrorCode::invalid_argument, "eval", "two OOD sets are named '" + s.name + "'");
  }
  for (const auto& im : id_images) {
    if (im.label >= 0 && static_cast<size_t>(im.label) >= n_classes) {
      core::fail(ErrorCode::invalid_argument, im.file,
                 "label " + std::to_string(im.label) + " is not a class index (the class list has " +
                     std::to_string(n_classes) + " names)");
    }
  }
}

// A stream needs at least one readable ID and one readable OOD image.
void check_stream(const OodSet& set, const std::vector<LabeledImage>& stream, const Embedded& e) {
  bool id = false, ood = false;
  for (const auto& im : stream) {
    if (e.results[e.index.at(im.file)].error.empty()) (im.label == kOodLabel ? ood : id) = true;
  }
  if (!ood) core::fail(ErrorCode::io, "eval", "OOD set '" + set.name + "': none of its images could be read");
  if (!id) core::fail(ErrorCode::io, "eval", "none of the ID images could be read");
}

}  // namespace

OodSet parse_ood_set(const std::string& spec, const std::filesystem::path& data_root) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    core::fail(ErrorCode::invalid_argument, "--ood '" + spec + "'", "expected NAME=LIST[:near|far]");
  OodSet set;
  set.name = spec.substr(0, eq);
  std::string path = spec.substr(eq + 1);
  for (const char* split : {"near", "far"}) {
    const std::string suffix = std::string(":") + split;
    if (path.size() > suffix.size() && path.ends_with(suffix)) {
      set.split = split;
      path.resize(path.size() - suffix.size());
    }
  }
  set.images = read_image_set(path, data_root, true);
  return set;
}

EvalResult run_eval(const ClipModel& model, OodScorer& scorer, const std::vector<LabeledImage>& id_images,
                    const std::vector<OodSet>& ood_sets, const EvalOptions& options, const EvalProgress& progress,
                    const CancelFn& cancel) {
  if (id_images.empty()) throw Error(ErrorCode::invalid_argument, "eval: no ID images");
  if (ood_sets.empty()) throw Error(ErrorCode::invalid_argument, "eval: no OOD sets");
  if (options.batch == 0) throw Error(ErrorCode::invalid_argument, "eval: batch must be at least 1");
  if (options.seeds.empty()) throw Error(ErrorCode::invalid_argument, "eval: no seeds");
  check_sets(id_images, ood_sets, scorer.classes().size());
  EvalResult r;
  const Embedded e = embed_all(model, id_images, ood_sets, options, progress, cancel, r);
  if (r.cancelled) return r;
  std::vector<std::vector<LabeledImage>> streams;
  for (const auto& set : ood_sets) {
    streams.push_back(stream_of(set, id_images));
    check_stream(set, streams.back(), e);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t k = 0; k < ood_sets.size(); ++k) {
    const OodSet& set = ood_sets[k];
    const auto& stream = streams[k];
    for (uint32_t seed : options.seeds) {
      SetRun run = run_one(scorer, set, stream, seed, e, options, progress, cancel, r.cancelled);
      if (r.cancelled) return r;
      r.runs.push_back(std::move(run));
    }
  }
  r.score_s = seconds_since(t0);
  return r;
}

}  // namespace ants
