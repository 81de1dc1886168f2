#include "pipeline/eval-reader.h"

#include <ants/inputs.h>

#include <span>

#include "core/file-util.h"
#include "pipeline/csv-reader.h"
#include "pipeline/eval-schema.h"
#include "pipeline/json-reader.h"

namespace ants::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// An object of metric values (numbers or null); absent metrics read as null.
MetricValues metric_values(const JsonReader& r, const json& j, const std::string& where) {
  r.object(j, where);
  MetricValues m;
  for (const schema::Metric& metric : schema::kMetrics) m[metric.key] = r.number(j, metric.key, where);
  return m;
}

// A row of "sets" (with per-seed values) or of "splits".
MetricsRow metrics_row(const JsonReader& r, const json& e, const std::string& where, bool is_set) {
  r.object(e, where);
  MetricsRow out;
  out.name = r.string(e, "name", where, true);
  out.split = r.string(e, "split", where, false);
  out.n_id = r.number(e, "n_id", where);
  out.n_ood = r.number(e, "n_ood", where);
  out.mean = metric_values(r, r.required(e, "mean", where), where + ".mean");
  if (const json* sd = r.find(e, "std")) out.sd = metric_values(r, *sd, where + ".std");
  if (const json* ps = is_set ? r.find(e, "per_seed") : nullptr) {
    for (size_t i = 0; i < r.array(*ps, where + ".per_seed").size(); ++i) {
      const std::string w = indexed(where + ".per_seed", i);
      const json& s = r.object((*ps)[i], w);
      const int64_t seed = r.integer(s, "seed", w);
      out.per_seed.emplace_back(seed, metric_values(r, s, w));
    }
  }
  return out;
}

// The rows of "sets" (required, with per-seed values) or of "splits" (optional).
std::vector<MetricsRow> metrics_rows(const JsonReader& r, const json& j, const char* key, bool is_set) {
  const json* rows = is_set ? &r.required(j, key, "") : r.find(j, key);
  std::vector<MetricsRow> out;
  if (!rows) return out;
  for (size_t i = 0; i < r.array(*rows, key).size(); ++i) out.push_back(metrics_row(r, (*rows)[i], indexed(key, i), is_set));
  return out;
}

}  // namespace

MetricsFile read_metrics(const fs::path& file) {
  const JsonReader r(file);
  const json j = read_json(file);
  r.object(j, "");
  MetricsFile m;
  m.method = r.string(j, "method", "", false);
  m.mode = r.string(j, "mode", "", false);
  if (const json* seeds = r.find(j, "seeds")) {
    for (const auto& s : r.array(*seeds, "seeds")) {
      if (!s.is_number_integer()) r.fail("seeds", "expected integers");
      m.seeds.push_back(s.get<int64_t>());
    }
  }
  m.sets = metrics_rows(r, j, "sets", true);
  m.splits = metrics_rows(r, j, "splits", false);
  return m;
}

PerSet<RunScores> read_scores(const fs::path& file) {
  const std::string text = core::read_file(file);
  CsvReader csv(text, file);
  const CsvHeader h = csv.header(schema::kScoresColumns);
  const size_t c_set = *h.find("set"), c_seed = *h.find("seed"), c_label = *h.find("label"),
               c_pred = *h.find("pred"), c_score = *h.find("score");
  PerSet<RunScores> out;
  std::vector<std::string> row;
  std::string last_set;
  int64_t last_seed = -1;
  RunScores* run = nullptr;
  while (csv.next(row)) {
    csv.check_fields(row, h);
    const int64_t seed = csv.integer(row[c_seed], "seed");
    const int64_t label = csv.integer(row[c_label], "label");
    csv.integer(row[c_pred], "pred");
    const double score = csv.finite(row[c_score], "score");
    if (!run || row[c_set] != last_set || seed != last_seed) {  // rows come grouped by run
      run = &out.at(row[c_set], seed);
      last_set = row[c_set];
      last_seed = seed;
    }
    (label == kOodLabel ? run->ood : run->id).push_back(score);
  }
  return out;
}

PerSet<std::vector<TracePoint>> read_trace(const fs::path& file) {
  const std::string text = core::read_file(file);
  CsvReader csv(text, file);
  const CsvHeader h = csv.header(std::span(schema::kTraceColumns).first(schema::kTraceRequiredColumns));
  const auto c_far = h.find("far_rows"), c_near = h.find("near_rows"), c_ens = h.find("ens_updates"),
             c_vsnl = h.find("vsnl_updates"), c_mem_labels = h.find("memory_labels"),
             c_mem_images = h.find("memory_images");
  PerSet<std::vector<TracePoint>> out;
  std::vector<std::string> row;
  while (csv.next(row)) {
    csv.check_fields(row, h);
    TracePoint t;
    t.batch = static_cast<double>(csv.integer(row[*h.find("batch")], "batch"));
    t.gamma = csv.finite(row[*h.find("gamma")], "gamma");
    t.lambda = csv.finite(row[*h.find("lambda")], "lambda");
    const auto extra = [&](std::optional<size_t> c, const char* name) {
      return c ? std::optional<double>(static_cast<double>(csv.integer(row[*c], name))) : std::nullopt;
    };
    t.far_rows = extra(c_far, "far_rows");
    t.near_rows = extra(c_near, "near_rows");
    t.ens_updates = extra(c_ens, "ens_updates");
    t.vsnl_updates = extra(c_vsnl, "vsnl_updates");
    t.memory_labels = extra(c_mem_labels, "memory_labels");
    t.memory_images = extra(c_mem_images, "memory_images");
    out.at(row[*h.find("set")], csv.integer(row[*h.find("seed")], "seed")).push_back(t);
  }
  return out;
}

PerSet<MinedNegatives> read_negatives(const fs::path& file) {
  const JsonReader r(file);
  const json j = read_json(file);
  PerSet<MinedNegatives> out;
  for (size_t i = 0; i < r.array(j, "").size(); ++i) {
    const std::string w = indexed("", i);
    const json& e = r.object(j[i], w);
    const int64_t seed = r.integer(e, "seed", w);
    MinedNegatives& neg = out.at(r.string(e, "set", w, true), seed);
    for (const char* kind : {"far", "near"}) {
      const json* list = r.find(e, kind);
      if (!list) continue;
      const std::string wl = w + "." + kind;
      for (size_t k = 0; k < r.array(*list, wl).size(); ++k) {
        const std::string wk = indexed(wl, k);
        const json& item = r.object((*list)[k], wk);
        const int64_t batch = r.integer(item, "batch", wk);
        (kind[0] == 'f' ? neg.far : neg.near).push_back({r.string(item, "label", wk, true), batch});
      }
    }
  }
  return out;
}

EvalFiles read_eval_files(const fs::path& out_dir) {
  EvalFiles f;
  f.metrics = read_metrics(out_dir / schema::kMetricsJson);
  f.run_file = out_dir / schema::kRunJson;
  f.run = read_json(f.run_file);
  JsonReader(f.run_file).object(f.run, "");
  f.scores = read_scores(out_dir / schema::kScoresCsv);
  if (fs::exists(out_dir / schema::kTraceCsv)) f.trace = read_trace(out_dir / schema::kTraceCsv);
  if (fs::exists(out_dir / schema::kNegativesJson)) f.negatives = read_negatives(out_dir / schema::kNegativesJson);
  return f;
}

}  // namespace ants::pipeline
