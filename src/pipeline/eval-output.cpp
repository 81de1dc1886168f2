// The files `ants eval` leaves in --out: metrics (JSON, OpenOOD CSV), per-image scores, the
// detector's trace, the mined negatives and the run record.
#include <ants/eval.h>
#include <ants/metrics.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "pipeline/csv.h"
#include "core/file-util.h"
#include "pipeline/eval-output.h"
#include "pipeline/eval-schema.h"

namespace ants {

namespace fs = std::filesystem;
namespace schema = pipeline::schema;
using nlohmann::json;

namespace {

// One run's metrics in percent; acc is NaN when unknown.
pipeline::RunPercent percent(const SetRun& r) {
  pipeline::RunPercent p{r.set, r.seed, {}, r.metrics.n_id, r.metrics.n_ood};
  for (const auto& [key, value] : percent_metrics(r.metrics)) p.values[key] = value;
  p.values["acc"] = r.acc ? schema::kPercent * *r.acc : NAN;
  return p;
}

std::vector<pipeline::RunPercent> percents(const EvalResult& r) {
  std::vector<pipeline::RunPercent> out;
  for (const auto& run : r.runs) out.push_back(percent(run));
  return out;
}

json number_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

using Values = std::map<std::string, double>;
using RunList = std::vector<const pipeline::RunPercent*>;

// Mean and sample std of each metric over the given per-seed values.
json summarise(const std::vector<Values>& per_seed, json& std_out) {
  json mean = json::object(), sd = json::object();
  for (const schema::Metric& metric : schema::kMetrics) {
    const char* k = metric.key;
    double sum = 0;
    for (const auto& m : per_seed) sum += m.at(k);
    const double mu = sum / static_cast<double>(per_seed.size());
    double ss = 0;
    for (const auto& m : per_seed) ss += (m.at(k) - mu) * (m.at(k) - mu);
    mean[k] = number_or_null(mu);
    sd[k] = number_or_null(per_seed.size() > 1 ? std::sqrt(ss / static_cast<double>(per_seed.size() - 1)) : NAN);
  }
  std_out = sd;
  return mean;
}

RunList runs_of(const std::vector<pipeline::RunPercent>& runs, const std::string& set) {
  RunList out;
  for (const auto& run : runs)
    if (run.set == set) out.push_back(&run);
  return out;
}

json set_json(const OodSet& set, const RunList& runs) {
  json j{{"name", set.name}, {"split", set.split}};
  std::vector<Values> per_seed;
  json seeds = json::array();
  for (const auto* r : runs) {
    per_seed.push_back(r->values);
    json s{{"seed", r->seed}};
    for (const auto& [k, v] : per_seed.back()) s[k] = number_or_null(v);
    seeds.push_back(s);
  }
  j["n_id"] = runs.front()->n_id;
  j["n_ood"] = runs.front()->n_ood;
  json sd;
  j["mean"] = summarise(per_seed, sd);
  if (runs.size() > 1) j["std"] = sd;
  j["per_seed"] = seeds;
  return j;
}

std::vector<uint32_t> seeds_of(const RunList& runs) {
  std::vector<uint32_t> out;
  for (const auto* r : runs) out.push_back(r->seed);
  return out;
}

// The runs of a split's sets lined up per seed: by position when every set ran the same seeds (a
// whole eval), else on the seeds that every set ran (a part of one, `eval --runs`).
std::vector<RunList> by_seed(const std::vector<RunList>& set_runs, const std::vector<uint32_t>& seeds) {
  std::vector<RunList> rows;
  const auto first = seeds_of(set_runs.front());
  if (std::all_of(set_runs.begin(), set_runs.end(), [&](const RunList& runs) { return seeds_of(runs) == first; })) {
    for (size_t s = 0; s < first.size(); ++s) {
      rows.emplace_back();
      for (const auto& runs : set_runs) rows.back().push_back(runs[s]);
    }
    return rows;
  }
  for (uint32_t seed : seeds) {
    RunList row;
    for (const auto& runs : set_runs) {
      const auto it = std::find_if(runs.begin(), runs.end(), [&](const auto* r) { return r->seed == seed; });
      if (it != runs.end()) row.push_back(*it);
    }
    if (row.size() == set_runs.size()) rows.push_back(row);
  }
  return rows;
}

// A split's row: per seed, the plain mean over the split's sets; then mean/std over seeds. Null
// when no seed ran on all of its sets.
json split_json(const std::string& name, const std::vector<RunList>& set_runs, const std::vector<uint32_t>& seeds) {
  const std::vector<RunList> rows = by_seed(set_runs, seeds);
  if (rows.empty()) return nullptr;
  std::vector<Values> per_seed(rows.size());
  for (size_t s = 0; s < rows.size(); ++s) {
    for (const schema::Metric& metric : schema::kMetrics) {
      const char* k = metric.key;
      double sum = 0;
      for (const auto* run : rows[s]) sum += run->values.at(k);
      per_seed[s][k] = sum / static_cast<double>(rows[s].size());
    }
  }
  json sd, j{{"name", name}};
  j["mean"] = summarise(per_seed, sd);
  if (rows.size() > 1) j["std"] = sd;
  return j;
}

std::string fixed2(const json& v) {
  if (v.is_null()) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v.get<double>());
  return buf;
}

template <size_t N>
std::string csv_header(const std::array<const char*, N>& columns) {
  return pipeline::csv_record(std::vector<std::string>(columns.begin(), columns.end()));
}

}  // namespace

namespace pipeline {

// OpenOOD's csv: the set or split, then its mean metrics in percent with two decimals.
std::string metrics_csv(const json& m) {
  std::string out = schema::kMetricsCsvNameColumn;
  for (const auto& c : schema::kMetricsCsvColumns) out.append(",").append(c.column);
  out += "\n";
  auto row = [&](const std::string& name, const json& mean) {
    out += csv_field(name);
    for (const auto& c : schema::kMetricsCsvColumns) out.append(",").append(fixed2(mean.at(c.key)));
    out += "\n";
  };
  for (const auto& s : m["sets"]) row(s["name"], s["mean"]);
  for (const auto& s : m["splits"]) row(s["name"], s["mean"]);
  return out;
}

json metrics_json(const std::vector<RunPercent>& runs, const std::vector<OodSet>& sets,
                  const std::vector<uint32_t>& seeds, const std::string& method, const std::string& mode) {
  json j{{"method", method}, {"mode", mode}, {"seeds", seeds}, {"sets", json::array()}, {"splits", json::array()}};
  std::map<std::string, std::vector<RunList>> by_split;
  for (const auto& set : sets) {
    const RunList set_runs = runs_of(runs, set.name);
    if (set_runs.empty()) continue;
    j["sets"].push_back(set_json(set, set_runs));
    if (!set.split.empty()) by_split[set.split + "ood"].push_back(set_runs);
  }
  for (const auto& [name, set_runs] : by_split) {
    json split = split_json(name, set_runs, seeds);
    if (!split.is_null()) j["splits"].push_back(std::move(split));
  }
  return j;
}

json timings_json(double embed_s, double score_s, size_t scored_images) {
  const double total = embed_s + score_s;
  return {{"embed_s", embed_s}, {"score_s", score_s}, {"total_s", total}, {"scored_images", scored_images},
          {"images_per_s", total > 0 ? static_cast<double>(scored_images) / total : 0.0}};
}

std::string csv_record(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line.append(i ? "," : "").append(csv_field(fields[i]));
  return line + "\n";
}

void write_json(const fs::path& path, const json& j) {
  core::write_file_atomic(path, j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace pipeline

namespace {

std::string scores_csv(const EvalResult& r) {
  std::string out = csv_header(schema::kScoresColumns);
  char buf[64];  // the row is written in kScoresColumns' order
  for (const auto& run : r.runs) {
    for (size_t i = 0; i < run.order.size(); ++i) {
      std::snprintf(buf, sizeof buf, ",%d,%d,%.9g\n", run.order[i].label, run.scores[i].pred, run.scores[i].score);
      out += csv_field(run.set) + "," + std::to_string(run.seed) + "," + csv_field(run.order[i].file) + buf;
    }
  }
  return out;
}

std::string trace_csv(const EvalResult& r) {
  std::string out = csv_header(schema::kTraceColumns);
  char buf[160];  // the row is written in kTraceColumns' order
  for (const auto& run : r.runs) {
    for (const auto& trace : run.trace) {
      const DetectorStats& t = trace.stats;
      std::snprintf(buf, sizeof buf, ",%u,%lld,%.9g,%.9g,%zu,%zu,%d,%d,%zu,%zu\n", run.seed,
                    static_cast<long long>(t.batches), t.gamma, t.lambda, t.far_rows, t.near_rows, t.ens_updates,
                    t.vsnl_updates, t.memory_labels, t.memory_images);
      out += csv_field(run.set) + buf;
    }
  }
  return out;
}

json negatives_json(const EvalResult& r) {
  json all = json::array();
  for (const auto& run : r.runs) {
    json far = json::array(), near = json::array();
    for (const auto& t : run.trace) {
      for (const auto& l : t.new_far) far.push_back({{"label", l}, {"batch", t.stats.batches}});
      for (const auto& l : t.new_near) near.push_back({{"label", l}, {"batch", t.stats.batches}});
    }
    all.push_back({{"set", run.set}, {"seed", run.seed}, {"far", far}, {"near", near}});
  }
  return all;
}

json inputs_json(const std::vector<EvalInput>& inputs) {
  json j{{"id", nullptr}, {"ood", json::array()}};
  for (const EvalInput& in : inputs) {
    json one{{"images", in.images}, {"hash", in.hash}};
    if (in.name.empty()) {
      j["id"] = one;
    } else {
      one["name"] = in.name;
      one["split"] = in.split;
      j["ood"].push_back(one);
    }
  }
  return j;
}

json run_json(const EvalResult& r, const EvalOptions& o, const EvalRunInfo& info) {
  json j = json::parse(info.run_json.empty() ? "{}" : info.run_json, nullptr, false);
  if (!j.is_object())
    throw Error(ErrorCode::internal, std::string(schema::kRunJson) + ": the caller's facts are not a JSON object");
  j["method"] = info.method;
  j["mode"] = info.mode;
  j["seeds"] = o.seeds;
  // Written only when not the default, so that a default run's run.json (which eval-merge
  // compares between parts) is as before.
  if (o.order != StreamOrder::shuffle) j["order"] = stream_order_name(o.order);
  if (o.stream != StreamKind::per_set) j["stream"] = stream_kind_name(o.stream);
  j["batch"] = o.batch;
  j["ood_ratio"] = o.ood_ratio ? json(*o.ood_ratio) : json(nullptr);
  j["images"] = r.images;
  j["embedding_cache_hits"] = r.cache_hits;
  j["timings"] = pipeline::timings_json(r.embed_s, r.score_s, r.scored);
  j["inputs"] = inputs_json(r.inputs);
  if (!r.selected.empty()) {
    j["runs"] = json::array();
    for (const RunKey& k : r.selected) j["runs"].push_back({{"set", k.set}, {"seed", k.seed}});
  }
  // By file, so that the parts of a sharded eval merge into the same list.
  std::vector<const ImageEmbedding*> failed;
  for (const auto& f : r.failed) failed.push_back(&f);
  std::sort(failed.begin(), failed.end(), [](const auto* a, const auto* b) { return a->file < b->file; });
  json skipped = json::array();
  for (const auto* f : failed) skipped.push_back({{"file", f->file}, {"error", f->error}});
  j["skipped"] = skipped;
  j["warnings"] = info.warnings;
  return j;
}

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string eval_metrics_json(const EvalResult& result, const std::vector<OodSet>& ood_sets,
                              const EvalOptions& options, const EvalRunInfo& info) {
  return pipeline::metrics_json(percents(result), ood_sets, options.seeds, info.method, info.mode)
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string write_eval_outputs(const fs::path& out_dir, const EvalResult& result, const std::vector<OodSet>& ood_sets,
                               const EvalOptions& options, const EvalRunInfo& info) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) core::fail(ErrorCode::io, out_dir.string(), "cannot create the output directory: " + ec.message());
  const json metrics = pipeline::metrics_json(percents(result), ood_sets, options.seeds, info.method, info.mode);
  pipeline::write_json(out_dir / schema::kMetricsJson, metrics);
  core::write_file_atomic(out_dir / schema::kMetricsCsv, pipeline::metrics_csv(metrics));
  core::write_file_atomic(out_dir / schema::kScoresCsv, scores_csv(result));
  core::write_file_atomic(out_dir / schema::kTraceCsv, trace_csv(result));
  pipeline::write_json(out_dir / schema::kNegativesJson, negatives_json(result));
  pipeline::write_json(out_dir / schema::kRunJson, run_json(result, options, info));
  pipeline::write_report_html(out_dir);  // from the files above, as `ants report` remakes it
  return metrics.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ants
