#include "pipeline/report-html.h"

#include <ants/metrics.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/file-util.h"
#include "pipeline/eval-reader.h"
#include "pipeline/html-text.h"
#include "pipeline/json-reader.h"
#include "pipeline/report-charts.h"

namespace ants::pipeline {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxLabelsShown = 200;
const char* const kMetricKeys[] = {"auroc", "fpr95", "fpr95_id_positive", "aupr_in", "aupr_out", "acc"};

using report::esc;
using report::fixed;
using report::note;

// A JSON scalar or array as text: strings verbatim, numbers compactly, arrays comma-joined.
std::string plain(const json& v) {
  if (v.is_null()) return "–";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + plain(e);
    return s.empty() ? "–" : s;
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------------------------
// Sections

std::string section(const char* id, const std::string& heading, const std::string& body) {
  return "<section id='" + std::string(id) + "'>\n<h2>" + esc(heading) + "</h2>\n" + body + "</section>\n";
}

std::string metric_cell(const MetricValues& mean, const std::optional<MetricValues>& sd, const char* key) {
  const auto& m = mean.at(key);
  if (!m) return "<td class='na'>–</td>";
  std::string s = "<td>" + fixed(*m, 2);
  if (sd && sd->at(key)) s += "<span class='sd'> ± " + fixed(*sd->at(key), 2) + "</span>";
  return s + "</td>";
}

const char* const kMetricHeader =
    "<th title='area under the ROC curve'>AUROC&nbsp;↑</th>"
    "<th title='OpenOOD: OOD positive, FPR at the first threshold with TPR ≥ 95 %'>FPR@95 (OpenOOD)&nbsp;↓</th>"
    "<th title='MCM/NegLabel: share of OOD kept at the threshold that keeps 95 % of ID'>FPR@95 (ID-positive)&nbsp;↓</th>"
    "<th>AUPR-In&nbsp;↑</th><th>AUPR-Out&nbsp;↑</th><th>ACC&nbsp;↑</th>";

std::string metrics_section(const MetricsFile& m) {
  if (m.sets.empty()) return note("metrics.json lists no OOD sets.");
  const bool seeds_shown = std::any_of(m.sets.begin(), m.sets.end(), [](const MetricsRow& r) { return r.sd.has_value(); });
  std::string s = "<table class='metrics'><thead><tr><th class='l'>OOD set</th><th class='l'>split</th>"
                  "<th>ID / OOD images</th>" + std::string(kMetricHeader) + "</tr></thead><tbody>\n";
  auto count = [](const std::optional<double>& v) { return v ? fixed(*v, 0) : std::string("–"); };
  for (const auto& r : m.sets) {
    s += "<tr><td class='l'>" + esc(r.name) + "</td><td class='l'>" + esc(r.split.empty() ? "–" : r.split) + "</td><td>" +
         count(r.n_id) + " / " + count(r.n_ood) + "</td>";
    for (const char* k : kMetricKeys) s += metric_cell(r.mean, r.sd, k);
    s += "</tr>\n";
  }
  for (const auto& r : m.splits) {
    s += "<tr class='split'><td class='l'>" + esc(r.name) + "</td><td class='l'>mean</td><td></td>";
    for (const char* k : kMetricKeys) s += metric_cell(r.mean, r.sd, k);
    s += "</tr>\n";
  }
  s += "</tbody></table>\n";
  std::string seeds;
  for (int64_t seed : m.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(seed);
  s += note("Percent, two decimals" +
            std::string(seeds_shown ? "; mean ± sample standard deviation over seeds " + seeds
                                    : seeds.empty() ? "" : "; seed " + seeds) +
            ". Split rows are the plain mean over the split's sets. ↑ higher is better, ↓ lower is better.");
  const bool per_seed = std::any_of(m.sets.begin(), m.sets.end(), [](const MetricsRow& r) { return r.per_seed.size() > 1; });
  if (per_seed) {
    s += "<h3>Per seed</h3><table class='metrics'><thead><tr><th class='l'>OOD set</th><th>seed</th>" +
         std::string(kMetricHeader) + "</tr></thead><tbody>\n";
    for (const auto& r : m.sets) {
      for (const auto& [seed, values] : r.per_seed) {
        s += "<tr><td class='l'>" + esc(r.name) + "</td><td>" + std::to_string(seed) + "</td>";
        for (const char* k : kMetricKeys) s += metric_cell(values, std::nullopt, k);
        s += "</tr>\n";
      }
    }
    s += "</tbody></table>\n";
  }
  return s;
}

std::string kv_row(const std::string& key, const std::string& value_html) {
  return "<tr><th>" + esc(key) + "</th><td>" + value_html + "</td></tr>\n";
}

std::string summary_section(const JsonReader& r, const json& run, const MetricsFile& m) {
  std::string s = "<table class='kv'>\n";
  auto field = [&](const char* key) { return run.contains(key) ? esc(plain(run[key])) : std::string("–"); };
  if (run.contains("ants_version")) s += kv_row("ants version", field("ants_version"));
  if (const json* model = r.find(run, "model")) {
    if (model->is_object()) {
      std::string v = model->contains("dir") ? esc(plain((*model)["dir"])) : "–";
      for (const char* extra : {"hash", "weights", "params"})
        if (r.find(*model, extra)) v += "<br><span class='sub'>" + std::string(extra) + ": " + esc(plain((*model)[extra])) + "</span>";
      s += kv_row("model", v);
    } else {
      s += kv_row("model", esc(plain(*model)));
    }
  }
  const std::string method = r.string(run, "method", "", false), mode = r.string(run, "mode", "", false);
  s += kv_row("method / mode", esc((method.empty() ? m.method : method) + " / " + (mode.empty() ? m.mode : mode)));
  s += kv_row("precision", field("precision"));
  s += kv_row("seeds", run.contains("seeds") ? field("seeds") : esc(plain(json(m.seeds))));
  if (run.contains("batch")) s += kv_row("detector batch", field("batch"));
  size_t near = 0, far = 0;
  for (const auto& set : m.sets) near += set.split == "near", far += set.split == "far";
  s += kv_row("OOD sets", std::to_string(m.sets.size()) + " (" + std::to_string(near) + " near, " + std::to_string(far) + " far)");
  std::string images = field("images");
  if (const auto hits = r.number(run, "embedding_cache_hits", "")) images += " (" + fixed(*hits, 0) + " embeddings from the cache)";
  s += kv_row("images", images);
  std::string time = "–";
  if (const json* t = r.find(run, "timings")) {
    r.object(*t, "timings");
    const auto total = r.number(*t, "total_s", "timings"), embed = r.number(*t, "embed_s", "timings"),
               score = r.number(*t, "score_s", "timings"), rate = r.number(*t, "images_per_s", "timings");
    if (total) {
      time = fixed(*total, 2) + " s";
      if (embed && score) time += " (embedding " + fixed(*embed, 2) + " s, scoring " + fixed(*score, 2) + " s)";
    }
    s += kv_row("total time", time);
    s += kv_row("throughput", rate ? fixed(*rate, 1) + " scored images/s" : "–");
  } else {
    s += kv_row("total time", time);
  }
  if (const json* mllm = r.find(run, "mllm")) {
    r.object(*mllm, "mllm");
    std::string v;
    const std::pair<const char*, const char*> counts[] = {
        {"requests", "requests"}, {"failures", "failures"}, {"retries", "retries"},
        {"cache_hits", "cache hits"}, {"replay_hits", "replay hits"}};
    for (const auto& [key, text] : counts)
      if (const auto n = r.number(*mllm, key, "mllm")) v += (v.empty() ? "" : ", ") + fixed(*n, 0) + " " + text;
    if (mllm->value("degraded", false)) v += (v.empty() ? "" : "; ") + std::string("degraded");
    s += kv_row("MLLM", v.empty() ? "–" : esc(v));
  } else {
    s += kv_row("MLLM", "not used");
  }
  return s + "</table>\n";
}

std::string label_list(const char* heading, const std::vector<MinedLabel>& labels) {
  std::string s = "<div><h4>" + std::string(heading) + ": " + std::to_string(labels.size()) + "</h4>";
  if (labels.empty()) return s + note("none") + "</div>";
  if (labels.size() > kMaxLabelsShown)
    s += note("the first " + std::to_string(kMaxLabelsShown) + " of " + std::to_string(labels.size()));
  s += "<ol class='labels'>";
  for (size_t i = 0; i < labels.size() && i < kMaxLabelsShown; ++i)
    s += "<li>" + esc(labels[i].label) + " <span class='batch'>batch " + std::to_string(labels[i].batch) + "</span></li>";
  return s + "</ol></div>";
}

std::string negatives_section(const MetricsFile& m, const std::optional<PerSet<MinedNegatives>>& neg) {
  if (!neg) return note("negatives.json is absent.");
  std::string s;
  for (const auto& set : m.sets) {
    const auto* run = neg->first(set.name, m.seeds);
    s += "<h3>" + esc(set.name) + (run ? " <span class='sub'>seed " + std::to_string(run->first) + "</span>" : "") + "</h3>\n";
    if (!run || (run->second.far.empty() && run->second.near.empty())) {
      s += note("No negative labels were mined (MCM and NegLabel mine none; ANTS mines them from MLLM answers).");
      continue;
    }
    s += "<div class='negatives'>" + label_list("ENS (far) labels", run->second.far) +
         label_list("VSNL (near) labels", run->second.near) + "</div>\n";
  }
  return s.empty() ? note("No OOD sets.") : s;
}

std::string warnings_section(const JsonReader& r, const json& run) {
  std::string items;
  if (const json* mllm = r.find(run, "mllm")) {
    r.object(*mllm, "mllm");
    const auto failures = r.number(*mllm, "failures", "mllm"), requests = r.number(*mllm, "requests", "mllm");
    const std::string last = r.string(*mllm, "last_error", "mllm", false);
    const bool degraded = mllm->contains("degraded") && (*mllm)["degraded"].is_boolean() && (*mllm)["degraded"].get<bool>();
    if (failures && *failures > 0)
      items += "<li>MLLM: " + fixed(*failures, 0) + " failed requests" +
               (requests && *requests >= *failures ? " of " + fixed(*requests, 0) : std::string()) +
               (last.empty() ? "" : "; last error: <q>" + esc(last) + "</q>") + "</li>\n";
    if (degraded) items += "<li>MLLM degraded: the circuit breaker was open at the end of the run, so ANTS ran without fresh answers.</li>\n";
  }
  if (const json* warnings = r.find(run, "warnings")) {
    for (size_t i = 0; i < r.array(*warnings, "warnings").size(); ++i) {
      if (!(*warnings)[i].is_string()) r.fail(indexed("warnings", i), "expected a string");
      items += "<li>" + esc((*warnings)[i].get<std::string>()) + "</li>\n";
    }
  }
  std::string skipped;
  size_t n_skipped = 0;
  if (const json* list = r.find(run, "skipped")) {
    for (size_t i = 0; i < r.array(*list, "skipped").size(); ++i) {
      const std::string w = indexed("skipped", i);
      const json& f = r.object((*list)[i], w);
      skipped += "<tr><td>" + esc(r.string(f, "file", w, true)) + "</td><td>" + esc(r.string(f, "error", w, false)) + "</td></tr>\n";
      ++n_skipped;
    }
  }
  if (n_skipped)
    items += "<li>" + std::to_string(n_skipped) + " unreadable image" + (n_skipped == 1 ? "" : "s") +
             " skipped (not scored, not counted in the metrics):<table class='skipped'><thead><tr><th>file</th><th>error</th>"
             "</tr></thead><tbody>\n" + skipped + "</tbody></table></li>\n";
  return items.empty() ? "<p class='none'>none</p>\n" : "<ul class='warnings'>\n" + items + "</ul>\n";
}

const char* const kStyle = R"css(
:root{--id:#1f77b4;--ood:#e6550d;--gamma:#6a3d9a;--lambda:#2ca02c;--muted:#666}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;padding:0 24px;max-width:1280px;color:#1a1a1a;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:1.4em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1em 0 .3em}h4{font-size:.95em;margin:.4em 0}
nav{font-size:.9em;color:var(--muted)}nav a{color:inherit;margin-right:1em}
table{border-collapse:collapse;margin:.4em 0;font-variant-numeric:tabular-nums}
td,th{border:1px solid #d5d5d5;padding:.25em .6em;text-align:right;vertical-align:top}
.metrics td{white-space:nowrap}
th{background:#f4f4f4}.l{text-align:left}tr.split td{background:#fafafa;font-weight:600}
.sd{color:var(--muted);font-weight:normal}.na{color:#aaa;text-align:center}
.kv th,.kv td{text-align:left}.kv th{width:11em}.sub{color:var(--muted);font-size:.9em}
.note{color:var(--muted);font-size:.9em;margin:.3em 0}.none{color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;break-inside:avoid}
figcaption{font-size:.82em;color:var(--muted);max-width:420px}
svg{display:block;background:#fff;border:1px solid #eee}
svg text{font-family:inherit;fill:#333}svg .title{font-size:12.5px;text-anchor:middle;font-weight:600}
svg .tick{font-size:10px;text-anchor:middle;fill:#555}svg .tick.y{text-anchor:end}
svg .axis{font-size:11px;text-anchor:middle}svg .legend{font-size:11px}
.grid{stroke:#eee}.frame{fill:none;stroke:#888}polyline{fill:none;stroke-width:1.7;stroke-linejoin:round}
.roc{stroke:var(--id)}.diag,.tpr95{stroke:#aaa;stroke-dasharray:4 3;stroke-width:1}
.bars{stroke-width:1.2;fill-opacity:.32}.bars.id,.key.id{fill:var(--id);stroke:var(--id)}
.bars.ood,.key.ood{fill:var(--ood);stroke:var(--ood)}
polyline.gamma{stroke:var(--gamma)}polyline.lambda{stroke:var(--lambda)}
circle.gamma,.key.gamma{fill:var(--gamma)}circle.lambda,.key.lambda{fill:var(--lambda)}
.negatives{display:flex;flex-wrap:wrap;gap:8px 32px}.negatives>div{flex:1 1 420px;min-width:0}
ol.labels{columns:2 16em;column-gap:2em;margin:.2em 0;padding-left:2.4em;font-size:.9em}
ol.labels li{break-inside:avoid;overflow-wrap:anywhere}.batch{color:var(--muted);font-size:.85em}
.warnings li{margin:.3em 0}.skipped td,.skipped th{text-align:left;overflow-wrap:anywhere}
@media print{body{margin:0;max-width:none;font-size:11px}nav{display:none}h2{break-after:avoid}svg{border:none}}
@page{margin:12mm}
)css";

}  // namespace

std::string report_html(const fs::path& out_dir) {
  const EvalFiles files = read_eval_files(out_dir);
  const MetricsFile& metrics = files.metrics;
  const json& run = files.run;
  const JsonReader run_reader(files.run_file);
  const auto& negatives = files.negatives;
  const std::string roc = report::roc_charts(files), hist = report::histogram_charts(files),
                    tr = report::trace_charts(files);

  const std::string method = run_reader.string(run, "method", "", false);
  std::string h = "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
                  "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
                  "<title>ants eval report</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<header><h1>ants eval report</h1>\n<nav><a href='#summary'>Summary</a><a href='#metrics'>Metrics</a>"
       "<a href='#roc'>ROC curves</a><a href='#histograms'>Score histograms</a><a href='#trace'>γ and λ</a>"
       "<a href='#negatives'>Mined negatives</a><a href='#warnings'>Warnings</a></nav></header>\n<main>\n";
  h += section("summary", "Summary", summary_section(run_reader, run, metrics));
  h += section("metrics", "Metrics", metrics_section(metrics));
  h += section("roc", "ROC curves",
               note("First seed of each OOD set; OOD is the positive class and a threshold on the negated score "
                    "separates them, one point per distinct score.") + "<div class='charts'>\n" + roc + "</div>\n");
  h += section("histograms", "Score histograms", "<div class='charts'>\n" + hist + "</div>\n");
  h += section("trace", "Adaptive threshold γ and fusion weight λ",
               note(method == "ants" || method.empty()
                        ? "Per detector batch, first seed of each OOD set."
                        : "Per detector batch, first seed of each OOD set (" + method + " keeps them at their defaults).") +
                   "<div class='charts'>\n" + tr + "</div>\n");
  h += section("negatives", "Mined negative labels", negatives_section(metrics, negatives));
  h += section("warnings", "Warnings", warnings_section(run_reader, run));
  return h + "</main>\n</body>\n</html>\n";
}

void write_report_html(const fs::path& out_dir) {
  core::write_file_atomic(out_dir / "report.html", report_html(out_dir));
}

}  // namespace ants::pipeline
