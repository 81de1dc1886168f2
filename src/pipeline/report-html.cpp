#include "pipeline/report-html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <span>

namespace ants::pipeline {

namespace {

using nlohmann::json;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, const char* fmt = "%.2f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string cell(const json& mean, const json* sd, const char* key) {
  if (!mean.contains(key) || mean[key].is_null()) return "<td>–</td>";
  std::string s = "<td>" + num(mean[key].get<double>());
  if (sd && sd->contains(key) && !(*sd)[key].is_null()) s += " ± " + num((*sd)[key].get<double>());
  return s + "</td>";
}

std::string metrics_row(const std::string& name, const std::string& split, const json& row) {
  const json* sd = row.contains("std") ? &row["std"] : nullptr;
  std::string s = "<tr><td>" + escape(name) + "</td><td>" + escape(split) + "</td>";
  for (const char* k : {"auroc", "fpr95", "fpr95_id_positive", "aupr_in", "aupr_out", "acc"}) s += cell(row["mean"], sd, k);
  return s + "</tr>\n";
}

std::string metrics_table(const json& m) {
  std::string s =
      "<table><tr><th>OOD set</th><th>split</th><th>AUROC</th><th>FPR@95 (OpenOOD)</th><th>FPR@95 (ID positive)</th>"
      "<th>AUPR-In</th><th>AUPR-Out</th><th>ACC</th></tr>\n";
  for (const auto& set : m["sets"]) s += metrics_row(set["name"], set["split"], set);
  for (const auto& split : m["splits"]) s += metrics_row(split["name"], "mean", split);
  return s + "</table>\n<p class=note>Percent; mean ± sample std over seeds " + escape(m["seeds"].dump()) + ".</p>\n";
}

// A chart frame of w×h pixels mapping [x0,x1]×[y0,y1]; curves are polylines.
struct Chart {
  double x0, x1, y0, y1;
  int w = 360, h = 260, pad = 40;
  double px(double x) const { return pad + (x - x0) / (x1 - x0 == 0 ? 1 : x1 - x0) * (w - 2 * pad); }
  double py(double y) const { return h - pad - (y - y0) / (y1 - y0 == 0 ? 1 : y1 - y0) * (h - 2 * pad); }

  std::string open(const std::string& title, const std::string& xlabel, const std::string& ylabel) const {
    std::string s = "<svg role='img' width='" + std::to_string(w) + "' height='" +
                    std::to_string(h) + "' viewBox='0 0 " + std::to_string(w) + " " + std::to_string(h) + "'>";
    s += "<title>" + escape(title) + "</title><text x='" + std::to_string(w / 2) + "' y='16' class=t>" + escape(title) +
         "</text>";
    s += "<rect x='" + num(px(x0), "%.1f") + "' y='" + num(py(y1), "%.1f") + "' width='" + num(px(x1) - px(x0), "%.1f") +
         "' height='" + num(py(y0) - py(y1), "%.1f") + "' class=frame />";
    for (int i = 0; i <= 4; ++i) {
      const double fx = x0 + (x1 - x0) * i / 4, fy = y0 + (y1 - y0) * i / 4;
      s += "<text x='" + num(px(fx), "%.1f") + "' y='" + std::to_string(h - pad + 14) + "' class=tick>" + num(fx, "%.3g") + "</text>";
      s += "<text x='" + std::to_string(pad - 4) + "' y='" + num(py(fy) + 4, "%.1f") + "' class='tick y'>" + num(fy, "%.2g") + "</text>";
    }
    s += "<text x='" + std::to_string(w / 2) + "' y='" + std::to_string(h - 6) + "' class=axis>" + escape(xlabel) + "</text>";
    s += "<text x='12' y='" + std::to_string(h / 2) + "' class=axis transform='rotate(-90 12 " + std::to_string(h / 2) + ")'>" +
         escape(ylabel) + "</text>";
    return s;
  }
  std::string line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const {
    std::string pts;
    for (size_t i = 0; i < xs.size(); ++i) pts += num(px(xs[i]), "%.1f") + "," + num(py(ys[i]), "%.1f") + " ";
    return "<polyline class='" + cls + "' points='" + pts + "'/>";
  }
};

const SetRun* first_run(const EvalResult& r, const std::string& set) {
  for (const auto& run : r.runs)
    if (run.set == set) return &run;
  return nullptr;
}

std::pair<std::vector<double>, std::vector<double>> split_scores(const SetRun& run) {
  std::vector<double> id, ood;
  for (size_t i = 0; i < run.order.size(); ++i) (run.order[i].label == kOodLabel ? ood : id).push_back(run.scores[i].score);
  return {id, ood};
}

std::string roc_svg(const SetRun& run) {
  const auto [id, ood] = split_scores(run);
  std::unique_ptr<bool[]> is_ood(new bool[id.size() + ood.size()]);
  std::vector<double> neg;
  for (size_t i = 0; i < ood.size(); ++i) is_ood[i] = true, neg.push_back(-ood[i]);
  for (size_t i = 0; i < id.size(); ++i) is_ood[ood.size() + i] = false, neg.push_back(-id[i]);
  const RocCurve roc = roc_curve(std::span<const bool>(is_ood.get(), neg.size()), neg);
  const Chart c{0, 1, 0, 1};
  return c.open(run.set + ": ROC, AUROC " + num(100 * run.metrics.auroc) + " %", "FPR (ID called OOD)", "TPR (OOD found)") +
         c.line({0, 1}, {0, 1}, "diag") + c.line(roc.fpr, roc.tpr, "roc") + "</svg>";
}

std::string histogram_svg(const SetRun& run) {
  const auto [id, ood] = split_scores(run);
  double lo = std::min(*std::min_element(id.begin(), id.end()), *std::min_element(ood.begin(), ood.end()));
  double hi = std::max(*std::max_element(id.begin(), id.end()), *std::max_element(ood.begin(), ood.end()));
  if (hi <= lo) hi = lo + 1e-6;
  constexpr int kBins = 40;
  auto bins = [&](const std::vector<double>& v) {
    std::vector<double> b(kBins, 0.0);
    for (double x : v) b[std::min(kBins - 1, static_cast<int>((x - lo) / (hi - lo) * kBins))] += 1.0 / v.size();
    return b;
  };
  const auto bi = bins(id), bo = bins(ood);
  const double top = std::max(*std::max_element(bi.begin(), bi.end()), *std::max_element(bo.begin(), bo.end()));
  const Chart c{lo, hi, 0, top};
  auto steps = [&](const std::vector<double>& b, const char* cls) {
    std::vector<double> xs, ys;
    for (int i = 0; i < kBins; ++i) {
      xs.push_back(lo + (hi - lo) * i / kBins), ys.push_back(b[i]);
      xs.push_back(lo + (hi - lo) * (i + 1) / kBins), ys.push_back(b[i]);
    }
    return c.line(xs, ys, cls);
  };
  return c.open(run.set + ": scores (ID " + std::to_string(id.size()) + ", OOD " + std::to_string(ood.size()) + ")",
                "score (higher = more ID)", "share of images") +
         steps(bi, "id") + steps(bo, "ood") + "<text x='290' y='40' class='lg id'>ID</text><text x='290' y='56' class='lg ood'>OOD</text></svg>";
}

std::string trace_svg(const SetRun& run) {
  if (run.trace.empty()) return "";
  std::vector<double> b, g, l;
  for (const auto& t : run.trace) b.push_back(static_cast<double>(t.batch)), g.push_back(t.gamma), l.push_back(t.lambda);
  const Chart c{b.front(), std::max(b.back(), b.front() + 1), 0, 1};
  return c.open(run.set + ": γ and λ per batch", "batch", "value") + c.line(b, g, "gamma") + c.line(b, l, "lambda") +
         "<text x='300' y='40' class='lg gamma'>γ</text><text x='300' y='56' class='lg lambda'>λ</text></svg>";
}

std::string label_list(const std::vector<std::pair<std::string, int64_t>>& labels) {
  if (labels.empty()) return "<p>none</p>";
  std::string s = "<p>" + std::to_string(labels.size()) + " labels" + (labels.size() > 200 ? " (first 200)" : "") + ":</p><ul class=labels>";
  for (size_t i = 0; i < labels.size() && i < 200; ++i)
    s += "<li>" + escape(labels[i].first) + " <span class=b>batch " + std::to_string(labels[i].second) + "</span></li>";
  return s + "</ul>";
}

std::string negatives_section(const EvalResult& r) {
  std::string s;
  std::map<std::string, bool> done;
  for (const auto& run : r.runs) {
    if (done[run.set]) continue;
    done[run.set] = true;
    std::vector<std::pair<std::string, int64_t>> far, near;
    for (const auto& t : run.trace) {
      for (const auto& l : t.new_far) far.emplace_back(l, t.batch);
      for (const auto& l : t.new_near) near.emplace_back(l, t.batch);
    }
    s += "<h3>" + escape(run.set) + " (seed " + std::to_string(run.seed) + ")</h3><h4>ENS (far)</h4>" + label_list(far) +
         "<h4>VSNL (near)</h4>" + label_list(near);
  }
  return s;
}

std::string warnings_section(const json& run) {
  std::string items;
  if (run.contains("mllm") && run["mllm"].is_object()) {
    const json& m = run["mllm"];
    if (m.value("failures", 0) > 0 || m.value("degraded", false))
      items += "<li>MLLM: " + std::to_string(m.value("failures", 0)) + " failed requests" +
               (m.value("degraded", false) ? " (degraded: circuit open)" : "") + "; last error: " +
               escape(m.value("last_error", "")) + "</li>";
  }
  for (const auto& w : run.value("warnings", json::array())) items += "<li>" + escape(w.get<std::string>()) + "</li>";
  for (const auto& f : run.value("skipped", json::array()))
    items += "<li>unreadable image skipped: " + escape(f.value("error", f.value("file", ""))) + "</li>";
  return items.empty() ? "<p>none</p>" : "<ul>" + items + "</ul>";
}

std::string summary_section(const json& run) {
  const json& t = run.value("timings", json::object());
  auto get = [&](const json& j, const char* k) { return j.contains(k) ? escape(j[k].is_string() ? j[k].get<std::string>() : j[k].dump()) : std::string("–"); };
  std::string model = run.contains("model") ? get(run["model"], "dir") : "–";
  return "<table class=kv><tr><th>model</th><td>" + model + "</td></tr><tr><th>precision</th><td>" + get(run, "precision") +
         "</td></tr><tr><th>method / mode</th><td>" + get(run, "method") + " / " + get(run, "mode") +
         "</td></tr><tr><th>seeds</th><td>" + get(run, "seeds") + "</td></tr><tr><th>images</th><td>" + get(run, "images") +
         " (" + get(run, "embedding_cache_hits") + " embeddings from the cache)</td></tr><tr><th>time</th><td>" +
         (t.contains("total_s") ? num(t["total_s"].get<double>(), "%.1f") + " s, " + num(t["images_per_s"].get<double>(), "%.1f") +
                                      " scored images/s (embedding " + num(t["embed_s"].get<double>(), "%.1f") + " s, scoring " +
                                      num(t["score_s"].get<double>(), "%.1f") + " s)"
                                : std::string("–")) +
         "</td></tr></table>";
}

const char* kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}h1{font-size:1.6em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
    "th{background:#f3f3f3}.kv td,.kv th{text-align:left}.note{color:#666;font-size:.9em}"
    "svg{margin:.3em;border:1px solid #eee}.frame{fill:none;stroke:#999}.tick{font-size:10px;text-anchor:middle;fill:#555}"
    ".tick.y{text-anchor:end}.axis{font-size:11px;text-anchor:middle;fill:#333}.t{font-size:12px;text-anchor:middle}"
    "polyline{fill:none!important;stroke-width:1.6}.roc{stroke:#1f5fbf}.diag{stroke:#bbb;stroke-dasharray:4 3}"
    ".id{stroke:#1f8f3f;fill:#1f8f3f}.ood{stroke:#c0392b;fill:#c0392b}.gamma{stroke:#7d3c98;fill:#7d3c98}"
    ".lambda{stroke:#d68910;fill:#d68910}.lg{font-size:12px;stroke:none}"
    ".labels{columns:3;font-size:.9em}.b{color:#888;font-size:.85em}";

}  // namespace

std::string report_html(const EvalResult& result, const json& metrics, const json& run) {
  std::string roc, hist, trace;
  for (const auto& set : metrics["sets"]) {
    const SetRun* r = first_run(result, set["name"]);
    if (!r) continue;
    roc += roc_svg(*r);
    hist += histogram_svg(*r);
    trace += trace_svg(*r);
  }
  std::string h = "<!DOCTYPE html>\n<html lang=en><head><meta charset='utf-8'><title>ants eval report</title><style>";
  h += kStyle;
  h += "</style></head><body>\n<h1>ants eval report</h1>\n";
  h += "<section id=summary><h2>Summary</h2>" + summary_section(run) + "</section>\n";
  h += "<section id=metrics><h2>Metrics</h2>" + metrics_table(metrics) + "</section>\n";
  h += "<section id=roc><h2>ROC curves (first seed; OOD positive)</h2>" + roc + "</section>\n";
  h += "<section id=histograms><h2>Score histograms (first seed)</h2>" + hist + "</section>\n";
  h += "<section id=trace><h2>Adaptive threshold γ and fusion weight λ (first seed)</h2>" + trace + "</section>\n";
  h += "<section id=negatives><h2>Mined negative labels (first seed)</h2>" + negatives_section(result) + "</section>\n";
  h += "<section id=warnings><h2>Warnings</h2>" + warnings_section(run) + "</section>\n";
  return h + "</body></html>\n";
}

}  // namespace ants::pipeline
