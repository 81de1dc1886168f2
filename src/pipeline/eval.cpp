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
#include "ood/round-count.h"
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
// shuffle (run_stream drops them), so one bad file never changes the order or the batches of the
// others.
// With an ID:OOD ratio R, round(R·n_id) OOD images (or, when the set has fewer, all of them and
// round(n_ood/R) ID images): the first of torch_randperm(n, seed), kept in list order.
std::vector<LabeledImage> stream_of(const OodSet& set, const std::vector<LabeledImage>& id_images,
                                    std::optional<double> ratio, uint32_t seed) {
  auto keep = [seed](const std::vector<LabeledImage>& images, double count) {
    const size_t n = ood::round_count(count);
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

// A stream and, per entry, the OOD set it comes from (index into the eval's sets; -1: ID).
struct Stream {
  std::vector<LabeledImage> images;
  std::vector<int> owner;
};

Stream per_set_stream(std::vector<LabeledImage> images) {
  Stream s{std::move(images), {}};
  for (const auto& im : s.images) s.owner.push_back(im.label == kOodLabel ? 0 : -1);
  return s;
}

// Every OOD set in --ood order, then the ID images (as stream_of concatenates one set).
Stream joint_stream(const std::vector<OodSet>& sets, const std::vector<LabeledImage>& id_images) {
  Stream s;
  for (size_t k = 0; k < sets.size(); ++k) {
    for (const auto& im : sets[k].images) s.images.push_back({im.file, kOodLabel}), s.owner.push_back(static_cast<int>(k));
  }
  for (const auto& im : id_images) s.images.push_back(im), s.owner.push_back(-1);
  return s;
}

// `block` in torch_randperm(block size, seed) order, appended to `out`.
void append_shuffled(const std::vector<uint32_t>& block, uint32_t seed, std::vector<uint32_t>& out) {
  for (uint32_t i : ood::torch_randperm(static_cast<uint32_t>(block.size()), seed)) out.push_back(block[i]);
}

// near_then_far / far_then_near: the first split's OOD images with their share of the ID images
// (taken in torch_randperm(n_id, seed) order), then the rest; each block shuffled.
std::vector<uint32_t> split_blocks(const Stream& s, const std::vector<std::string>& splits, const std::string& first_split,
                                   uint32_t seed) {
  std::vector<uint32_t> id, first, second;
  for (uint32_t i = 0; i < s.owner.size(); ++i) {
    if (s.owner[i] < 0) id.push_back(i);
    else (splits[static_cast<size_t>(s.owner[i])] == first_split ? first : second).push_back(i);
  }
  if (first.empty() || second.empty())  // check_order refuses this before any work; a set may be unreadable-free
    core::fail(ErrorCode::invalid_argument, "--order", "near-then-far and far-then-near need near and far OOD sets");
  const size_t k = ood::round_count(static_cast<double>(id.size()) * static_cast<double>(first.size()) /
                                    static_cast<double>(first.size() + second.size()));
  const auto pi = ood::torch_randperm(static_cast<uint32_t>(id.size()), seed);
  for (size_t j = 0; j < pi.size(); ++j) (j < k ? first : second).push_back(id[pi[j]]);
  std::vector<uint32_t> out;
  append_shuffled(first, seed, out);
  append_shuffled(second, seed, out);
  return out;
}

// Indices into the stream in the order of EvalOptions::order; splits[k]: the split of OOD set k.
std::vector<uint32_t> stream_order(const Stream& s, const std::vector<std::string>& splits, StreamOrder order,
                                   uint32_t seed) {
  if (order == StreamOrder::shuffle) return ood::torch_randperm(static_cast<uint32_t>(s.images.size()), seed);
  if (order == StreamOrder::near_then_far) return split_blocks(s, splits, "near", seed);
  if (order == StreamOrder::far_then_near) return split_blocks(s, splits, "far", seed);
  std::vector<uint32_t> id, ood;
  for (uint32_t i = 0; i < s.owner.size(); ++i) (s.owner[i] < 0 ? id : ood).push_back(i);
  std::vector<uint32_t> out;
  append_shuffled(order == StreamOrder::id_first ? id : ood, seed, out);
  append_shuffled(order == StreamOrder::id_first ? ood : id, seed, out);
  return out;
}

// One reset stream, scored in detector batches. `runs` holds one SetRun per OOD set of the stream
// (a per-set stream: one); each gets the ID images, its own OOD images and every batch's trace.
void run_stream(OodScorer& scorer, const Stream& s, const std::vector<std::string>& splits, uint32_t seed, const Embedded& e,
                const EvalOptions& o, const std::string& name, const EvalProgress& progress, const CancelFn& cancel,
                bool& cancelled, size_t& scored_images, std::vector<SetRun*> runs) {
  const auto perm = stream_order(s, splits, o.order, seed);
  scorer.reset(seed);
  for (size_t first = 0; first < perm.size(); first += o.batch) {
    if (cancel && cancel()) {
      cancelled = true;
      return;
    }
    const size_t last = std::min(perm.size(), first + o.batch);
    std::vector<ImageEmbedding> batch;
    for (size_t i = first; i < last; ++i) batch.push_back(e.results[e.index.at(s.images[perm[i]].file)]);
    const auto scored = scorer.score(batch);  // unreadable images come back unscored
    for (size_t i = first; i < last; ++i) {
      if (!scored[i - first].error.empty()) continue;
      ++scored_images;
      const int owner = s.owner[perm[i]];
      for (size_t k = 0; k < runs.size(); ++k) {
        if (owner >= 0 && static_cast<size_t>(owner) != k) continue;
        runs[k]->order.push_back(s.images[perm[i]]);
        runs[k]->scores.push_back(scored[i - first]);
      }
    }
    for (SetRun* run : runs) run->trace.push_back(scorer.last_trace());
    if (progress) progress(name, last, perm.size());
  }
  for (SetRun* run : runs) compute_metrics(*run);
}

void check_stream(const OodSet& set, const std::vector<LabeledImage>& stream, const Embedded& e) {
  bool id = false, ood = false;
  for (const auto& im : stream) {
    if (e.results[e.index.at(im.file)].error.empty()) (im.label == kOodLabel ? ood : id) = true;
  }
  if (!ood) core::fail(ErrorCode::io, "eval", "OOD set '" + set.name + "': none of its images could be read");
  if (!id) core::fail(ErrorCode::io, "eval", "none of the ID images could be read");
}

// near-then-far and far-then-near split a joint stream by the sets' splits: refused, before any
// image is embedded, for a per-set stream or sets that are not all near or far with both present.
void check_order(const std::vector<OodSet>& sets, const EvalOptions& o) {
  if (o.order != StreamOrder::near_then_far && o.order != StreamOrder::far_then_near) return;
  const std::string what = std::string("--order ") + stream_order_name(o.order);
  if (o.stream != StreamKind::joint) core::fail(ErrorCode::invalid_argument, what, "needs --stream joint");
  bool near = false, far = false;
  for (const OodSet& s : sets) {
    if (s.split != "near" && s.split != "far")
      core::fail(ErrorCode::invalid_argument, what, "OOD set '" + s.name + "' is neither :near nor :far");
    (s.split == "near" ? near : far) = true;
  }
  if (!near || !far) core::fail(ErrorCode::invalid_argument, what, "needs near and far OOD sets");
}

// The reference's protocol: per set and seed, a reset stream of that set's OOD images and the ID
// images (with an ID:OOD ratio, each seed keeps other images). r.runs is set-major.
void run_per_set(OodScorer& scorer, const std::vector<LabeledImage>& id_images, const std::vector<OodSet>& sets,
                 const std::vector<std::vector<bool>>& chosen, const Embedded& e, const EvalOptions& o,
                 const EvalProgress& progress, const CancelFn& cancel, EvalResult& r) {
  std::vector<std::vector<Stream>> streams(sets.size());  // built and checked before any scoring
  for (size_t k = 0; k < sets.size(); ++k) {
    streams[k].resize(o.seeds.size());
    for (size_t i = 0; i < o.seeds.size(); ++i) {
      if (!chosen[k][i]) continue;
      streams[k][i] = per_set_stream(stream_of(sets[k], id_images, o.ood_ratio, o.seeds[i]));
      check_stream(sets[k], streams[k][i].images, e);
      stream_order(streams[k][i], {sets[k].split}, o.order, o.seeds[i]);  // an order the stream cannot take fails now
    }
  }
  for (size_t k = 0; k < sets.size(); ++k) {
    for (size_t i = 0; i < o.seeds.size(); ++i) {
      if (!chosen[k][i]) continue;
      SetRun run{sets[k].name, o.seeds[i], {}, {}, {}, {}, {}};
      run_stream(scorer, streams[k][i], {sets[k].split}, o.seeds[i], e, o, sets[k].name, progress, cancel, r.cancelled,
                 r.scored, {&run});
      if (r.cancelled) return;
      r.runs.push_back(std::move(run));
    }
  }
}

// --stream joint: per seed, one stream of every set and the ID images; r.runs set-major as above.
void run_joint(OodScorer& scorer, const std::vector<LabeledImage>& id_images, const std::vector<OodSet>& sets,
               const Embedded& e, const EvalOptions& o, const EvalProgress& progress, const CancelFn& cancel,
               EvalResult& r) {
  const Stream s = joint_stream(sets, id_images);
  std::vector<std::string> splits;
  for (const OodSet& set : sets) {
    check_stream(set, stream_of(set, id_images, {}, 0), e);
    splits.push_back(set.split);
  }
  stream_order(s, splits, o.order, o.seeds[0]);  // an order the stream cannot take fails before scoring
  std::vector<std::vector<SetRun>> runs(sets.size(), std::vector<SetRun>(o.seeds.size()));  // [set][seed]
  for (size_t i = 0; i < o.seeds.size(); ++i) {
    std::vector<SetRun*> views;
    for (size_t k = 0; k < sets.size(); ++k) {
      runs[k][i].set = sets[k].name;
      runs[k][i].seed = o.seeds[i];
      views.push_back(&runs[k][i]);
    }
    run_stream(scorer, s, splits, o.seeds[i], e, o, "joint stream", progress, cancel, r.cancelled, r.scored, views);
    if (r.cancelled) return;
  }
  for (auto& per_seed : runs)
    for (auto& run : per_seed) r.runs.push_back(std::move(run));
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

namespace {
constexpr std::pair<const char*, StreamOrder> kOrders[] = {{"shuffle", StreamOrder::shuffle},
                                                           {"id-first", StreamOrder::id_first},
                                                           {"ood-first", StreamOrder::ood_first},
                                                           {"near-then-far", StreamOrder::near_then_far},
                                                           {"far-then-near", StreamOrder::far_then_near}};
}  // namespace

StreamOrder parse_stream_order(const std::string& name) {
  for (const auto& [word, order] : kOrders)
    if (name == word) return order;
  core::fail(ErrorCode::invalid_argument, "--order",
             "unknown value '" + name + "' (shuffle, id-first, ood-first, near-then-far, far-then-near)");
}

const char* stream_order_name(StreamOrder order) {
  for (const auto& [word, o] : kOrders)
    if (o == order) return word;
  return "?";
}

StreamKind parse_stream_kind(const std::string& name) {
  if (name == "per-set") return StreamKind::per_set;
  if (name == "joint") return StreamKind::joint;
  core::fail(ErrorCode::invalid_argument, "--stream", "unknown value '" + name + "' (per-set, joint)");
}

const char* stream_kind_name(StreamKind kind) { return kind == StreamKind::joint ? "joint" : "per-set"; }

EvalResult run_eval(const ClipModel& model, OodScorer& scorer, const std::vector<LabeledImage>& id_images,
                    const std::vector<OodSet>& ood_sets, const EvalOptions& options, const EvalProgress& progress,
                    const CancelFn& cancel) {
  if (id_images.empty()) throw Error(ErrorCode::invalid_argument, "eval: no ID images");
  if (ood_sets.empty()) throw Error(ErrorCode::invalid_argument, "eval: no OOD sets");
  if (options.batch == 0) throw Error(ErrorCode::invalid_argument, "eval: batch must be at least 1");
  if (options.seeds.empty()) throw Error(ErrorCode::invalid_argument, "eval: no seeds");
  if (options.ood_ratio && !(std::isfinite(*options.ood_ratio) && *options.ood_ratio > 0))
    throw Error(ErrorCode::invalid_argument, "--ood-ratio: must be a positive number");
  check_order(ood_sets, options);
  if (options.stream == StreamKind::joint && (options.ood_ratio || !options.runs.empty()))
    throw Error(ErrorCode::invalid_argument, std::string("--stream joint: one stream holds every set of a seed, so ") +
                                                 (options.ood_ratio ? "--ood-ratio" : "--runs") + " does not apply");
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
  const auto t0 = std::chrono::steady_clock::now();
  if (options.stream == StreamKind::joint) {
    run_joint(scorer, id_images, ood_sets, e, options, progress, cancel, r);
  } else {
    run_per_set(scorer, id_images, ood_sets, chosen, e, options, progress, cancel, r);
  }
  r.score_s = seconds_since(t0);
  return r;
}

}  // namespace ants
