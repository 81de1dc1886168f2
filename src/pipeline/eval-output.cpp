// The files `ants eval` leaves in --out: metrics (JSON, OpenOOD CSV), per-image scores, the
// detector's trace, the mined negatives and the run record.
#include <ants/eval.h>
#include <ants/metrics.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "pipeline/csv.h"
#include "core/file-util.h"
#include "pipeline/eval-schema.h"

namespace ants {

namespace fs = std::filesystem;
namespace schema = pipeline::schema;
using nlohmann::json;

namespace {

// One run's metrics in percent; acc is NaN when unknown.
std::map<std::string, double> percent(const SetRun& r) {
  std::map<std::string, double> p;
  for (const auto& [key, value] : percent_metrics(r.metrics)) p[key] = value;
  p["acc"] = r.acc ? schema::kPercent * *r.acc : NAN;
  return p;
}

json number_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

// Mean and sample std of each metric over the given per-seed values.
json summarise(const std::vector<std::map<std::string, double>>& per_seed, json& std_out) {
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

std::vector<const SetRun*> runs_of(const EvalResult& r, const std::string& set) {
  std::vector<const SetRun*> out;
  for (const auto& run : r.runs)
    if (run.set == set) out.push_back(&run);
  return out;
}

json set_json(const OodSet& set, const std::vector<const SetRun*>& runs) {
  json j{{"name", set.name}, {"split", set.split}};
  std::vector<std::map<std::string, double>> per_seed;
  json seeds = json::array();
  for (const SetRun* r : runs) {
    per_seed.push_back(percent(*r));
    json s{{"seed", r->seed}};
    for (const auto& [k, v] : per_seed.back()) s[k] = number_or_null(v);
    seeds.push_back(s);
  }
  j["n_id"] = runs.front()->metrics.n_id;
  j["n_ood"] = runs.front()->metrics.n_ood;
  json sd;
  j["mean"] = summarise(per_seed, sd);
  if (runs.size() > 1) j["std"] = sd;
  j["per_seed"] = seeds;
  return j;
}

// Split rows: per seed, the plain mean over the split's sets; then mean/std over seeds.
json split_json(const std::string& name, const std::vector<std::vector<const SetRun*>>& set_runs) {
  const size_t n_seeds = set_runs.front().size();
  std::vector<std::map<std::string, double>> per_seed(n_seeds);
  for (size_t s = 0; s < n_seeds; ++s) {
    for (const schema::Metric& metric : schema::kMetrics) {
      const char* k = metric.key;
      double sum = 0;
      for (const auto& runs : set_runs) sum += percent(*runs[s]).at(k);
      per_seed[s][k] = sum / static_cast<double>(set_runs.size());
    }
  }
  json sd, j{{"name", name}};
  j["mean"] = summarise(per_seed, sd);
  if (n_seeds > 1) j["std"] = sd;
  return j;
}

json metrics_json(const EvalResult& r, const std::vector<OodSet>& sets, const EvalOptions& o, const EvalRunInfo& info) {
  json j{{"method", info.method}, {"mode", info.mode}, {"seeds", o.seeds}, {"sets", json::array()},
         {"splits", json::array()}};
  std::map<std::string, std::vector<std::vector<const SetRun*>>> by_split;
  for (const auto& set : sets) {
    const auto runs = runs_of(r, set.name);
    if (runs.empty()) continue;
    j["sets"].push_back(set_json(set, runs));
    if (!set.split.empty()) by_split[set.split + "ood"].push_back(runs);
  }
  for (const auto& [name, set_runs] : by_split) j["splits"].push_back(split_json(name, set_runs));
  return j;
}

std::string fixed2(const json& v) {
  if (v.is_null()) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v.get<double>());
  return buf;
}

// A CSV header line; no column name needs quoting.
template <size_t N>
std::string csv_header(const std::array<const char*, N>& columns) {
  std::string line;
  for (const char* c : columns) line.append(line.empty() ? "" : ",").append(c);
  return line + "\n";
}

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
      std::snprintf(buf, sizeof buf, ",%u,%lld,%.9g,%.9g,%zu,%zu,%d,%d\n", run.seed, static_cast<long long>(t.batches),
                    t.gamma, t.lambda, t.far_rows, t.near_rows, t.ens_updates, t.vsnl_updates);
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

json run_json(const EvalResult& r, const EvalOptions& o, const EvalRunInfo& info) {
  json j = json::parse(info.run_json.empty() ? "{}" : info.run_json, nullptr, false);
  if (!j.is_object())
    throw Error(ErrorCode::internal, std::string(schema::kRunJson) + ": the caller's facts are not a JSON object");
  j["method"] = info.method;
  j["mode"] = info.mode;
  j["seeds"] = o.seeds;
  j["batch"] = o.batch;
  j["images"] = r.images;
  j["embedding_cache_hits"] = r.cache_hits;
  size_t scored = 0;
  for (const auto& run : r.runs) scored += run.scores.size();
  const double total = r.embed_s + r.score_s;
  j["timings"] = {{"embed_s", r.embed_s}, {"score_s", r.score_s}, {"total_s", total},
                  {"scored_images", scored}, {"images_per_s", total > 0 ? static_cast<double>(scored) / total : 0.0}};
  json skipped = json::array();
  for (const auto& f : r.failed) skipped.push_back({{"file", f.file}, {"error", f.error}});
  j["skipped"] = skipped;
  j["warnings"] = info.warnings;
  return j;
}

void write_json(const fs::path& path, const json& j) {
  core::write_file_atomic(path, j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
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
  return metrics_json(result, ood_sets, options, info).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string write_eval_outputs(const fs::path& out_dir, const EvalResult& result, const std::vector<OodSet>& ood_sets,
                               const EvalOptions& options, const EvalRunInfo& info) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) core::fail(ErrorCode::io, out_dir.string(), "cannot create the output directory: " + ec.message());
  const json metrics = metrics_json(result, ood_sets, options, info);
  write_json(out_dir / schema::kMetricsJson, metrics);
  core::write_file_atomic(out_dir / schema::kMetricsCsv, metrics_csv(metrics));
  core::write_file_atomic(out_dir / schema::kScoresCsv, scores_csv(result));
  core::write_file_atomic(out_dir / schema::kTraceCsv, trace_csv(result));
  write_json(out_dir / schema::kNegativesJson, negatives_json(result));
  write_json(out_dir / schema::kRunJson, run_json(result, options, info));
  pipeline::write_report_html(out_dir);  // from the files above, as `ants report` remakes it
  return metrics.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ants
