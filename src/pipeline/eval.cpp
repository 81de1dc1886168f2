// The OpenOOD evaluation protocol (method.md §6.2) with an explicit, reproducible shuffle: per OOD set
// and seed, the detector starts fresh on OOD + ID images in torch_randperm(n, seed) order.
#include <ants/eval.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/hash.h"
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
                   const std::vector<const OodSet*>& sets, const EvalOptions& o, const EvalProgress& progress,
                   const CancelFn& cancel, EvalResult& r) {
  Embedded e;
  std::vector<std::string> files;
  auto add = [&](const std::string& f) {
    if (e.index.emplace(f, files.size()).second) files.push_back(f);
  };
  for (const OodSet* s : sets)
    for (const auto& im : s->images) add(im.file);
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
// With an ID:OOD ratio R, round(R·n_id) OOD images (or, when the set has fewer, all of them and
// round(n_ood/R) ID images): the first of torch_randperm(n, seed), kept in list order.
std::vector<LabeledImage> stream_of(const OodSet& set, const std::vector<LabeledImage>& id_images,
                                    std::optional<double> ratio, uint32_t seed) {
  auto keep = [seed](const std::vector<LabeledImage>& images, double count) {
    const auto n = static_cast<size_t>(std::llround(count));
    if (n >= images.size()) return images;
    auto perm = ood::torch_randperm(static_cast<uint32_t>(images.size()), seed);
    perm.resize(n);
    std::sort(perm.begin(), perm.end());
    std::vector<LabeledImage> kept;
    for (uint32_t i : perm) kept.push_back(images[i]);
    return kept;
  };
  std::vector<LabeledImage> ood = set.images, id = id_images;
  if (ratio) {
    const double want_ood = *ratio * static_cast<double>(id_images.size());
    if (want_ood <= static_cast<double>(ood.size())) {
      ood = keep(ood, want_ood);
    } else {
      id = keep(id, static_cast<double>(ood.size()) / *ratio);
    }
    if (ood.empty() || id.empty())
      core::fail(ErrorCode::invalid_argument, "--ood-ratio " + std::to_string(*ratio),
                 "keeps no " + std::string(ood.empty() ? "OOD" : "ID") + " image of set '" + set.name + "'");
  }
  std::vector<LabeledImage> stream;
  for (const auto& im : ood) stream.push_back({im.file, kOodLabel});
  stream.insert(stream.end(), id.begin(), id.end());
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
  scorer.reset(seed);
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

std::string list_hash(const std::vector<LabeledImage>& images) {
  core::Hasher h;
  for (const auto& im : images) h.add(im.file).add(static_cast<uint64_t>(static_cast<int64_t>(im.label)));
  return h.digest().hex();
}

std::vector<EvalInput> inputs_of(const std::vector<LabeledImage>& id_images, const std::vector<OodSet>& sets) {
  std::vector<EvalInput> inputs{{"", "", id_images.size(), list_hash(id_images)}};
  for (const auto& s : sets) inputs.push_back({s.name, s.split, s.images.size(), list_hash(s.images)});
  return inputs;
}

// [set][seed index]: whether to compute that run; every one when EvalOptions::runs is empty.
std::vector<std::vector<bool>> selected_runs(const std::vector<OodSet>& sets, const EvalOptions& o) {
  for (size_t i = 0; i < o.seeds.size(); ++i)
    if (std::find(o.seeds.begin(), o.seeds.begin() + i, o.seeds[i]) != o.seeds.begin() + i)
      core::fail(ErrorCode::invalid_argument, "--seeds", "seed " + std::to_string(o.seeds[i]) + " is given twice");
  std::vector<std::vector<bool>> chosen(sets.size(), std::vector<bool>(o.seeds.size(), o.runs.empty()));
  for (const RunKey& k : o.runs) {
    const std::string name = "'" + k.set + ":" + std::to_string(k.seed) + "'";
    const auto set = std::find_if(sets.begin(), sets.end(), [&](const OodSet& s) { return s.name == k.set; });
    if (set == sets.end()) core::fail(ErrorCode::invalid_argument, "--runs " + name, "no OOD set is named '" + k.set + "'");
    const auto seed = std::find(o.seeds.begin(), o.seeds.end(), k.seed);
    if (seed == o.seeds.end())
      core::fail(ErrorCode::invalid_argument, "--runs " + name, "seed " + std::to_string(k.seed) + " is not one of --seeds");
    auto cell = chosen[set - sets.begin()].begin() + (seed - o.seeds.begin());
    if (*cell) core::fail(ErrorCode::invalid_argument, "--runs " + name, "the run is given twice");
    *cell = true;
  }
  return chosen;
}

bool any_of(const std::vector<bool>& v) { return std::find(v.begin(), v.end(), true) != v.end(); }

}  // namespace

std::vector<RunKey> parse_run_keys(const std::string& text) {
  std::vector<RunKey> keys;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    const size_t colon = item.rfind(':');
    const std::string seed = colon == std::string::npos ? "" : item.substr(colon + 1);
    const bool digits = !seed.empty() && seed.size() <= 10 &&
                        std::all_of(seed.begin(), seed.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (colon == 0 || !digits || std::stoull(seed) > 0xffffffffULL)
      core::fail(ErrorCode::invalid_argument, "--runs '" + item + "'", "expected SET:SEED (e.g. --runs inat:0,textures:1)");
    keys.push_back({item.substr(0, colon), static_cast<uint32_t>(std::stoull(seed))});
    pos = comma + 1;
  }
  return keys;
}

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
  if (options.ood_ratio && !(std::isfinite(*options.ood_ratio) && *options.ood_ratio > 0))
    throw Error(ErrorCode::invalid_argument, "--ood-ratio: must be a positive number");
  check_sets(id_images, ood_sets, scorer.classes().size());
  const auto chosen = selected_runs(ood_sets, options);
  EvalResult r;
  r.inputs = inputs_of(id_images, ood_sets);
  r.selected = options.runs;
  std::vector<const OodSet*> sets;  // those with a run to compute: only their images are embedded
  for (size_t k = 0; k < ood_sets.size(); ++k)
    if (any_of(chosen[k])) sets.push_back(&ood_sets[k]);
  const Embedded e = embed_all(model, id_images, sets, options, progress, cancel, r);
  if (r.cancelled) return r;
  // [set][seed index]; with an ID:OOD ratio each seed keeps other images.
  std::vector<std::vector<std::vector<LabeledImage>>> streams(ood_sets.size());
  for (size_t k = 0; k < ood_sets.size(); ++k) {
    streams[k].resize(options.seeds.size());
    for (size_t i = 0; i < options.seeds.size(); ++i) {
      if (!chosen[k][i]) continue;
      streams[k][i] = stream_of(ood_sets[k], id_images, options.ood_ratio, options.seeds[i]);
      check_stream(ood_sets[k], streams[k][i], e);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t k = 0; k < ood_sets.size(); ++k) {
    const OodSet& set = ood_sets[k];
    for (size_t i = 0; i < options.seeds.size(); ++i) {
      if (!chosen[k][i]) continue;
      SetRun run = run_one(scorer, set, streams[k][i], options.seeds[i], e, options, progress, cancel, r.cancelled);
      if (r.cancelled) return r;
      r.runs.push_back(std::move(run));
    }
  }
  r.score_s = seconds_since(t0);
  return r;
}

}  // namespace ants
