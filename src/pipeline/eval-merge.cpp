// `ants eval-merge`: the --out directories of the parts of one evaluation (`eval --runs`, one per
// cluster task) put together as one eval over all runs writes them. Per-run values are taken
// as the parts wrote them (metrics.json's per-seed doubles, the CSV rows' fields), and the
// summaries are recomputed by the same code as eval's, so the files come out identical.
#include <ants/eval.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "core/error.h"
#include "core/file-util.h"
#include "pipeline/csv-reader.h"
#include "pipeline/eval-output.h"
#include "pipeline/eval-reader.h"
#include "pipeline/eval-schema.h"
#include "pipeline/json-reader.h"

namespace ants {

namespace {

namespace fs = std::filesystem;
namespace schema = pipeline::schema;
using nlohmann::json;
using Records = std::vector<std::vector<std::string>>;

// run.json members that differ between the parts of one evaluation; all others must agree.
constexpr std::array<const char*, 7> kPerPartKeys = {"timings", "embedding_cache_hits", "images", "skipped",
                                                     "warnings", "mllm", "runs"};
// MllmStats' counters as run.json holds them (summed; "degraded" is a flag, set when any part's is).
constexpr std::array<const char*, 6> kMllmCounters = {"requests", "failures", "retries",
                                                      "cache_hits", "replay_hits", "degraded"};

struct Part {
  fs::path dir;
  json run;  // run.json
  pipeline::MetricsFile metrics;
  Records scores, trace;  // data records
  json negatives;         // negatives.json, an array
};

// The records after a header that must be exactly `columns` (what eval writes), or its first
// `older` columns (what an earlier version wrote).
template <size_t N>
Records read_records(const fs::path& file, const std::array<const char*, N>& columns, size_t older = N) {
  const std::string text = core::read_file(file);
  pipeline::CsvReader csv(text, file);
  const pipeline::CsvHeader h = csv.header(std::span(columns).first(std::min(older, N)));
  if (h.fields != N && h.fields != older) csv.fail("not the columns of an eval's " + file.filename().string());
  for (size_t i = 0; i < h.fields; ++i)
    if (h.index.count(columns[i]) == 0 || h.index.at(columns[i]) != i)
      csv.fail("not the columns of an eval's " + file.filename().string());
  Records out;
  std::vector<std::string> row;
  while (csv.next(row)) {
    csv.check_fields(row, h);
    csv.integer(row[1], "seed");
    out.push_back(row);
  }
  return out;
}

void check_count(const pipeline::JsonReader& r, const nlohmann::json& v, const std::string& where) {
  if (!v.is_number_unsigned()) r.fail(where, "expected a count");
}

void check_seed(const pipeline::JsonReader& r, const nlohmann::json& seed, const std::string& where) {
  if (!seed.is_number_unsigned() || seed.get<uint64_t>() > 0xffffffffULL) r.fail(where, "expected a seed (0 to 2^32-1)");
}

// What the merge reads of run.json: the sets (inputs.ood, which evals write since `--runs`
// exists), the seeds and the part's runs.
void check_run_json(const fs::path& file, const json& run) {
  const pipeline::JsonReader r(file);
  r.object(run, "");
  const json& ood = r.array(r.required(r.object(r.required(run, "inputs", ""), "inputs"), "ood", "inputs"), "inputs.ood");
  for (size_t i = 0; i < ood.size(); ++i) {
    const std::string where = pipeline::indexed("inputs.ood", i);
    r.object(ood[i], where);
    r.string(ood[i], "name", where, true);
    r.string(ood[i], "split", where, false);
  }
  const json& seeds = r.array(r.required(run, "seeds", ""), "seeds");
  for (size_t i = 0; i < seeds.size(); ++i) check_seed(r, seeds[i], pipeline::indexed("seeds", i));
  if (const json* skipped = r.find(run, "skipped")) {
    for (size_t i = 0; i < r.array(*skipped, "skipped").size(); ++i) {
      const std::string where = pipeline::indexed("skipped", i);
      r.string(r.object((*skipped)[i], where), "file", where, true);
    }
  }
  if (const json* warnings = r.find(run, "warnings"))
    for (const auto& w : r.array(*warnings, "warnings"))
      if (!w.is_string()) r.fail("warnings", "expected strings");
  if (const json* timings = r.find(run, "timings")) {
    r.object(*timings, "timings");
    for (const char* k : {"embed_s", "score_s"}) r.number(*timings, k, "timings");
    check_count(r, timings->value("scored_images", json(0)), "timings.scored_images");
  }
  check_count(r, run.value("embedding_cache_hits", json(0)), "embedding_cache_hits");
  if (const json* mllm = r.find(run, "mllm")) {
    r.object(*mllm, "mllm");
    for (const char* c : kMllmCounters)
      if (mllm->contains(c) && !(*mllm)[c].is_boolean()) check_count(r, (*mllm)[c], std::string("mllm.") + c);
    r.string(*mllm, "last_error", "mllm", false);
  }
  if (const json* runs = r.find(run, "runs")) {
    for (size_t i = 0; i < r.array(*runs, "runs").size(); ++i) {
      const std::string where = pipeline::indexed("runs", i);
      r.string(r.object((*runs)[i], where), "set", where, true);
      check_seed(r, r.required((*runs)[i], "seed", where), where + ".seed");
    }
  }
}

Part read_part(const fs::path& dir) {
  Part p{dir, pipeline::read_json(dir / schema::kRunJson), pipeline::read_metrics(dir / schema::kMetricsJson),
         read_records(dir / schema::kScoresCsv, schema::kScoresColumns),
         read_records(dir / schema::kTraceCsv, schema::kTraceColumns, schema::kTraceColumnsV1),
         pipeline::read_json(dir / schema::kNegativesJson)};
  check_run_json(dir / schema::kRunJson, p.run);
  const pipeline::JsonReader negatives(dir / schema::kNegativesJson);
  for (size_t i = 0; i < negatives.array(p.negatives, "").size(); ++i) {
    const std::string where = pipeline::indexed("", i);
    negatives.string(negatives.object(p.negatives[i], where), "set", where, true);
    check_seed(negatives, negatives.required(p.negatives[i], "seed", where), where + ".seed");
  }
  return p;
}

std::string shown(const json* v) {
  std::string s = v ? v->dump() : "absent";
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// Every run.json member but the per-part ones must agree, and MLLM use too.
void check_same_evaluation(const Part& a, const Part& b) {
  std::set<std::string> keys;
  for (const auto* p : {&a, &b})
    for (const auto& [k, v] : p->run.items()) keys.insert(k);
  for (const char* k : kPerPartKeys) keys.erase(k);
  for (const std::string& k : keys) {
    const json* va = a.run.contains(k) ? &a.run[k] : nullptr;
    const json* vb = b.run.contains(k) ? &b.run[k] : nullptr;
    if (!va || !vb || *va != *vb) {
      core::fail(ErrorCode::invalid_argument, "eval-merge",
                 a.dir.string() + " and " + b.dir.string() + " are not parts of one evaluation: run.json '" + k +
                     "' is " + shown(va) + " in one and " + shown(vb) + " in the other");
    }
  }
  if (a.run.value("mllm", json()).is_null() != b.run.value("mllm", json()).is_null())
    core::fail(ErrorCode::invalid_argument, "eval-merge", a.dir.string() + " and " + b.dir.string() +
                                                              " are not parts of one evaluation: one used an MLLM");
}

// The evaluation's sets (--ood order) and seeds (--seeds order), from run.json.
std::vector<OodSet> sets_of(const json& run) {
  std::vector<OodSet> sets;
  for (const auto& s : run["inputs"]["ood"]) sets.push_back({s.value("name", ""), s.value("split", ""), {}});
  return sets;
}

std::vector<uint32_t> seeds_of(const json& run) {
  std::vector<uint32_t> seeds;
  for (const auto& s : run["seeds"]) seeds.push_back(s.get<uint32_t>());
  return seeds;
}

// The runs a part computed: its run.json "runs", or every set × seed.
std::vector<RunKey> runs_of(const Part& p, const std::vector<OodSet>& sets, const std::vector<uint32_t>& seeds) {
  std::vector<RunKey> runs;
  if (p.run.contains("runs")) {
    for (const auto& r : p.run["runs"]) runs.push_back({r.value("set", ""), r.value("seed", 0u)});
    return runs;
  }
  for (const auto& s : sets)
    for (uint32_t seed : seeds) runs.push_back({s.name, seed});
  return runs;
}

std::string key_text(const RunKey& k) { return k.set + ":" + std::to_string(k.seed); }

// Which part computed each run, in the evaluation's order; every run exactly once.
std::vector<std::pair<RunKey, const Part*>> assign_runs(const std::vector<Part>& parts) {
  const std::vector<OodSet> sets = sets_of(parts[0].run);
  const std::vector<uint32_t> seeds = seeds_of(parts[0].run);
  std::map<std::pair<std::string, uint32_t>, const Part*> owner;
  for (const Part& p : parts) {
    for (const RunKey& k : runs_of(p, sets, seeds)) {
      const auto [it, fresh] = owner.emplace(std::pair(k.set, k.seed), &p);
      if (!fresh)
        core::fail(ErrorCode::invalid_argument, "eval-merge", "run " + key_text(k) + " is in both " +
                                                                  it->second->dir.string() + " and " + p.dir.string());
    }
  }
  std::vector<std::pair<RunKey, const Part*>> plan;
  for (const auto& s : sets) {
    for (uint32_t seed : seeds) {
      const auto it = owner.find({s.name, seed});
      if (it == owner.end())
        core::fail(ErrorCode::invalid_argument, "eval-merge", "run " + key_text({s.name, seed}) + " is in none of the directories");
      plan.emplace_back(RunKey{s.name, seed}, it->second);
    }
  }
  return plan;
}

size_t count(const Part& p, const std::optional<double>& v, const char* key) {
  if (!v || !(*v >= 0 && *v <= 9007199254740992.0) || std::floor(*v) != *v)
    pipeline::malformed(p.dir / schema::kMetricsJson, std::string("'") + key + "' is not a count of images");
  return static_cast<size_t>(*v);
}

pipeline::RunPercent run_percent(const RunKey& k, const Part& p) {
  for (const auto& row : p.metrics.sets) {
    if (row.name != k.set) continue;
    for (const auto& [seed, values] : row.per_seed) {
      if (seed != k.seed) continue;
      pipeline::RunPercent r{k.set, k.seed, {}, count(p, row.n_id, "n_id"), count(p, row.n_ood, "n_ood")};
      for (const auto& [key, v] : values) r.values[key] = v.value_or(NAN);
      return r;
    }
  }
  pipeline::malformed(p.dir / schema::kMetricsJson, "holds no metrics for run " + key_text(k));
}

// A CSV file: the header, then the records of each run in the plan's order; the columns every
// part has (parts of an earlier version have fewer).
template <size_t N>
std::string merged_csv(const std::vector<std::pair<RunKey, const Part*>>& plan, Records Part::*records,
                       const char* file, const std::array<const char*, N>& columns) {
  size_t width = N;
  for (const auto& [k, p] : plan)
    for (const auto& row : p->*records) width = std::min(width, row.size());
  std::string out = pipeline::csv_record(std::vector<std::string>(columns.begin(), columns.begin() + width));
  for (const auto& [k, p] : plan) {
    const std::string seed = std::to_string(k.seed);
    size_t rows = 0;
    for (const auto& row : p->*records) {
      if (row[0] != k.set || row[1] != seed) continue;
      out += pipeline::csv_record(std::vector<std::string>(row.begin(), row.begin() + width));
      ++rows;
    }
    // Every run scores at least one ID and one OOD image in at least one batch.
    if (rows == 0) pipeline::malformed(p->dir / file, "holds no rows for run " + key_text(k));
  }
  return out;
}

json merged_negatives(const std::vector<std::pair<RunKey, const Part*>>& plan) {
  json all = json::array();
  for (const auto& [k, p] : plan) {
    for (const auto& run : p->negatives)
      if (run.value("set", "") == k.set && run.value("seed", -1LL) == static_cast<long long>(k.seed)) all.push_back(run);
  }
  return all;
}

// Scored files and skipped files of every part: the evaluation's distinct images.
size_t distinct_images(const std::vector<Part>& parts, const json& skipped) {
  std::set<std::string> files;
  for (const Part& p : parts)
    for (const auto& row : p.scores) files.insert(row[2]);
  for (const auto& s : skipped) files.insert(s.value("file", ""));
  return files.size();
}

json merged_skipped(const std::vector<Part>& parts) {
  std::map<std::string, json> by_file;
  for (const Part& p : parts)
    for (const auto& s : p.run.value("skipped", json::array())) by_file.emplace(s.value("file", ""), s);
  json out = json::array();
  for (auto& [file, s] : by_file) out.push_back(s);
  return out;
}

json summed_mllm(const std::vector<Part>& parts) {
  json sum = parts[0].run.value("mllm", json());
  if (!sum.is_object() || sum.empty()) return sum;
  for (size_t i = 1; i < parts.size(); ++i) {
    const json m = parts[i].run.value("mllm", json::object());
    for (const char* c : kMllmCounters) {
      if (sum.contains(c) && sum[c].is_boolean()) {
        sum[c] = sum[c].get<bool>() || m.value(c, false);  // degraded: in any part
      } else {
        sum[c] = sum.value(c, 0LL) + m.value(c, 0LL);
      }
    }
    if (!m.value("last_error", "").empty()) sum["last_error"] = m["last_error"];
  }
  return sum;
}

json merged_run(const std::vector<Part>& parts) {
  json run = parts[0].run;
  run.erase("runs");
  double embed_s = 0, score_s = 0;
  size_t scored = 0, cache_hits = 0;
  json warnings = json::array();
  for (const Part& p : parts) {
    const json t = p.run.value("timings", json::object());
    embed_s += t.value("embed_s", 0.0);
    score_s += t.value("score_s", 0.0);
    scored += t.value("scored_images", size_t{0});
    cache_hits += p.run.value("embedding_cache_hits", size_t{0});
    for (const auto& w : p.run.value("warnings", json::array()))
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  }
  run["timings"] = pipeline::timings_json(embed_s, score_s, scored);
  run["embedding_cache_hits"] = cache_hits;
  run["skipped"] = merged_skipped(parts);
  run["images"] = distinct_images(parts, run["skipped"]);
  run["warnings"] = warnings;
  run["mllm"] = summed_mllm(parts);
  return run;
}

}  // namespace

MergedEval merge_eval_outputs(const fs::path& out_dir, const std::vector<fs::path>& part_dirs) {
  if (part_dirs.empty()) throw Error(ErrorCode::invalid_argument, "eval-merge: no directories to merge");
  std::vector<Part> parts;
  for (const auto& dir : part_dirs) parts.push_back(read_part(dir));
  for (size_t i = 1; i < parts.size(); ++i) check_same_evaluation(parts[0], parts[i]);
  const auto plan = assign_runs(parts);

  std::vector<pipeline::RunPercent> percents;
  for (const auto& [k, p] : plan) percents.push_back(run_percent(k, *p));
  const json& run0 = parts[0].run;
  const json metrics = pipeline::metrics_json(percents, sets_of(run0), seeds_of(run0), run0.value("method", ""),
                                              run0.value("mode", ""));
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) core::fail(ErrorCode::io, out_dir.string(), "cannot create the output directory: " + ec.message());
  pipeline::write_json(out_dir / schema::kMetricsJson, metrics);
  core::write_file_atomic(out_dir / schema::kMetricsCsv, pipeline::metrics_csv(metrics));
  core::write_file_atomic(out_dir / schema::kScoresCsv, merged_csv(plan, &Part::scores, schema::kScoresCsv, schema::kScoresColumns));
  core::write_file_atomic(out_dir / schema::kTraceCsv, merged_csv(plan, &Part::trace, schema::kTraceCsv, schema::kTraceColumns));
  pipeline::write_json(out_dir / schema::kNegativesJson, merged_negatives(plan));
  const json run = merged_run(parts);
  pipeline::write_json(out_dir / schema::kRunJson, run);
  pipeline::write_report_html(out_dir);
  MergedEval merged{metrics.dump(-1, ' ', false, json::error_handler_t::replace), {}};
  for (const auto& s : run["skipped"]) merged.skipped.push_back(s["file"].get<std::string>());
  return merged;
}

}  // namespace ants
