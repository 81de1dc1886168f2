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

namespace ants::pipeline {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxLabelsShown = 200;
constexpr int kHistogramBins = 40;
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
// SVG charts

// Round tick values covering [lo, hi], about `target` of them.
struct Ticks {
  std::vector<double> values;
  double step = 1;
};

Ticks nice_ticks(double lo, double hi, int target, bool integers = false) {
  Ticks t;
  const double span = hi - lo;
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  t.step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integers) t.step = std::max(1.0, std::round(t.step));
  for (double v = std::ceil(lo / t.step - 1e-9) * t.step; v <= hi + t.step * 1e-9; v += t.step)
    t.values.push_back(std::fabs(v) < t.step * 1e-9 ? 0.0 : v);
  return t;
}

std::string tick_label(double v, double step) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
  return fixed(v, decimals);
}

// [lo, hi] widened when empty, then out to whole ticks.
std::pair<double, double> nice_range(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = std::max(std::fabs(lo) * 0.1, 0.5);
    lo -= pad, hi += pad;
  }
  const Ticks t = nice_ticks(lo, hi, target);
  return {std::floor(lo / t.step + 1e-9) * t.step, std::ceil(hi / t.step - 1e-9) * t.step};
}

// One chart: an SVG of w×h pixels whose plot area maps [x0, x1] × [y0, y1].
class Chart {
 public:
  Chart(int w, int h, double x0, double x1, double y0, double y1) : w_(w), h_(h), x0_(x0), x1_(x1), y0_(y0), y1_(y1) {}

  double px(double x) const { return kLeft + (x - x0_) / (x1_ - x0_) * (w_ - kLeft - kRight); }
  double py(double y) const { return h_ - kBottom - (y - y0_) / (y1_ - y0_) * (h_ - kTop - kBottom); }

  // Opening tag, title, frame, grid, ticks and axis labels.
  std::string begin(const std::string& title, const Ticks& xt, const Ticks& yt, const std::string& xlabel,
                    const std::string& ylabel) const {
    std::string s = "<svg role='img' width='" + std::to_string(w_) + "' height='" +
                    std::to_string(h_) + "' viewBox='0 0 " + std::to_string(w_) + " " + std::to_string(h_) + "'>";
    s += "<title>" + esc(title) + "</title>";
    s += "<text x='" + std::to_string(w_ / 2) + "' y='16' class='title'>" + esc(title) + "</text>";
    for (double x : xt.values) {
      s += "<line class='grid' x1='" + c(px(x)) + "' x2='" + c(px(x)) + "' y1='" + c(py(y0_)) + "' y2='" + c(py(y1_)) + "'/>";
      s += "<text class='tick' x='" + c(px(x)) + "' y='" + c(py(y0_) + 14) + "'>" + tick_label(x, xt.step) + "</text>";
    }
    for (double y : yt.values) {
      s += "<line class='grid' x1='" + c(px(x0_)) + "' x2='" + c(px(x1_)) + "' y1='" + c(py(y)) + "' y2='" + c(py(y)) + "'/>";
      s += "<text class='tick y' x='" + c(px(x0_) - 4) + "' y='" + c(py(y) + 3.5) + "'>" + tick_label(y, yt.step) + "</text>";
    }
    s += "<rect class='frame' x='" + c(px(x0_)) + "' y='" + c(py(y1_)) + "' width='" + c(px(x1_) - px(x0_)) +
         "' height='" + c(py(y0_) - py(y1_)) + "'/>";
    const double mid_x = (px(x0_) + px(x1_)) / 2, mid_y = (py(y0_) + py(y1_)) / 2;
    s += "<text class='axis' x='" + c(mid_x) + "' y='" + std::to_string(h_ - 8) + "'>" + esc(xlabel) + "</text>";
    s += "<text class='axis' x='14' y='" + c(mid_y) + "' transform='rotate(-90 14 " + c(mid_y) + ")'>" + esc(ylabel) +
         "</text>";
    return s;
  }

  // A polyline through the points, consecutive points on the same 0.1-pixel spot merged (a curve
  // of 100,000 ROC points stays a few thousand vertices).
  std::string line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const {
    std::string pts, last;
    for (size_t i = 0; i < xs.size(); ++i) {
      std::string p = c(px(xs[i])) + "," + c(py(ys[i]));
      if (p == last) continue;
      pts += (pts.empty() ? "" : " ") + p;
      last = std::move(p);
    }
    return "<polyline class='" + cls + "' points='" + pts + "'/>";
  }

  std::string dots(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const {
    std::string s;
    for (size_t i = 0; i < xs.size(); ++i)
      s += "<circle class='" + cls + "' r='2.2' cx='" + c(px(xs[i])) + "' cy='" + c(py(ys[i])) + "'/>";
    return s;
  }

  // Legend entries (class, text) in a row under the title.
  std::string legend(const std::vector<std::pair<std::string, std::string>>& entries) const {
    std::string s;
    double x = kLeft;
    for (const auto& [cls, text] : entries) {
      s += "<rect class='key " + cls + "' x='" + c(x) + "' y='25' width='12' height='10'/>";
      s += "<text class='legend' x='" + c(x + 16) + "' y='34'>" + esc(text) + "</text>";
      x += 28 + 6.5 * static_cast<double>(text.size());
    }
    return s;
  }

  static std::string c(double v) { return fixed(v, 1); }

  static constexpr int kLeft = 52, kRight = 14, kTop = 42, kBottom = 40;

 private:
  int w_, h_;
  double x0_, x1_, y0_, y1_;
};


std::string figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + (caption.empty() ? "" : "<figcaption>" + esc(caption) + "</figcaption>") + "</figure>\n";
}

std::string roc_figure(const std::string& set, int64_t seed, const RunScores& run, std::optional<double> auroc) {
  if (run.id.empty() || run.ood.empty())
    return note(set + ": no ROC curve (seed " + std::to_string(seed) + " has " + std::to_string(run.id.size()) +
                " ID and " + std::to_string(run.ood.size()) + " OOD scores; both are needed)");
  // OOD is the positive class; the detector's score is higher for ID, so it is negated.
  const size_t n = run.ood.size() + run.id.size();
  std::unique_ptr<bool[]> positive(new bool[n]);
  std::vector<double> neg(n);
  for (size_t i = 0; i < run.ood.size(); ++i) positive[i] = true, neg[i] = -run.ood[i];
  for (size_t i = 0; i < run.id.size(); ++i) positive[run.ood.size() + i] = false, neg[run.ood.size() + i] = -run.id[i];
  const RocCurve roc = roc_curve(std::span<const bool>(positive.get(), n), neg);
  if (!auroc) {
    double area = 0;
    for (size_t i = 1; i < roc.fpr.size(); ++i) area += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2;
    auroc = 100 * area;
  }
  const Chart ch(360, 350, 0, 1, 0, 1);
  const Ticks t = nice_ticks(0, 1, 5);
  const std::string title = set + ": AUROC " + fixed(*auroc, 2) + " %";
  std::string s = ch.begin(title, t, t, "FPR (share of ID called OOD)", "TPR (share of OOD found)");
  s += ch.line({0, 1}, {0, 1}, "diag");
  s += ch.line({0, 1}, {0.95, 0.95}, "tpr95");
  s += ch.line(roc.fpr, roc.tpr, "roc");
  s += "</svg>";
  return figure(s, "seed " + std::to_string(seed) + ": " + std::to_string(run.id.size()) + " ID, " +
                       std::to_string(run.ood.size()) + " OOD; dashed: chance and TPR 95 %");
}

std::string histogram_figure(const std::string& set, int64_t seed, const RunScores& run) {
  if (run.id.empty() && run.ood.empty()) return note(set + ": no scores");
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* v : {&run.id, &run.ood})
    for (double x : *v) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!(hi > lo)) {
    const double pad = std::max(std::fabs(lo) * 0.01, 1e-3);
    lo -= pad, hi += pad;
  }
  auto shares = [&](const std::vector<double>& v) {
    std::vector<double> b(kHistogramBins, 0.0);
    for (double x : v) {
      const int i = static_cast<int>((x - lo) / (hi - lo) * kHistogramBins);
      b[static_cast<size_t>(std::clamp(i, 0, kHistogramBins - 1))] += 1.0 / static_cast<double>(v.size());
    }
    return b;
  };
  const auto bi = shares(run.id), bo = shares(run.ood);
  const double top = std::max(*std::max_element(bi.begin(), bi.end()), *std::max_element(bo.begin(), bo.end()));
  const auto [y0, y1] = nice_range(0, top, 5);
  const Chart ch(420, 320, lo, hi, y0, y1);
  const Ticks xt = nice_ticks(lo, hi, 6);
  std::string s = ch.begin(set + ": scores", xt, nice_ticks(y0, y1, 5), "score (higher = more ID)", "share of images");
  auto area = [&](const std::vector<double>& b, const char* cls) {
    std::string d = "M";
    d.append(Chart::c(ch.px(lo))).append(" ").append(Chart::c(ch.py(0)));
    for (int i = 0; i < kHistogramBins; ++i) {
      d.append("V").append(Chart::c(ch.py(b[static_cast<size_t>(i)])));
      d.append("H").append(Chart::c(ch.px(lo + (hi - lo) * (i + 1) / kHistogramBins)));
    }
    return std::string("<path class='bars ").append(cls).append("' d='").append(d).append("V").append(Chart::c(ch.py(0))).append("Z'/>");
  };
  if (!run.id.empty()) s += area(bi, "id");
  if (!run.ood.empty()) s += area(bo, "ood");
  s += ch.legend({{"id", "ID (" + std::to_string(run.id.size()) + ")"}, {"ood", "OOD (" + std::to_string(run.ood.size()) + ")"}});
  s += "</svg>";
  return figure(s, "seed " + std::to_string(seed) + "; " + std::to_string(kHistogramBins) +
                       " bins over the score range; each class sums to 1");
}

std::string trace_figure(const std::string& set, int64_t seed, const std::vector<TracePoint>& trace) {
  if (trace.empty()) return note(set + ": no trace rows");
  std::vector<double> b, g, l;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& t : trace) {
    b.push_back(t.batch), g.push_back(t.gamma), l.push_back(t.lambda);
    lo = std::min({lo, t.gamma, t.lambda}), hi = std::max({hi, t.gamma, t.lambda});
  }
  const auto [y0, y1] = nice_range(lo, hi, 5);
  const double bx0 = b.front(), bx1 = std::max(b.back(), b.front() + 1);
  const Chart ch(420, 300, bx0, bx1, y0, y1);
  std::string s = ch.begin(set + ": γ and λ", nice_ticks(bx0, bx1, 6, true), nice_ticks(y0, y1, 5), "batch", "value");
  s += ch.line(b, g, "gamma") + ch.line(b, l, "lambda");
  if (trace.size() <= 60) s += ch.dots(b, g, "gamma") + ch.dots(b, l, "lambda");
  s += ch.legend({{"gamma", "γ (adaptive threshold)"}, {"lambda", "λ (fusion weight)"}});
  s += "</svg>";
  std::string caption = "seed " + std::to_string(seed) + ", " + std::to_string(trace.size()) + " batches";
  const TracePoint& last = trace.back();
  if (last.far_rows && last.near_rows)
    caption += "; at the end: " + fixed(*last.far_rows, 0) + " far and " + fixed(*last.near_rows, 0) + " near bank rows";
  if (last.ens_updates && last.vsnl_updates)
    caption += ", " + fixed(*last.ens_updates, 0) + " ENS and " + fixed(*last.vsnl_updates, 0) + " VSNL updates";
  return figure(s, caption);
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
  const PerSet<RunScores>& scores = files.scores;
  const auto& trace = files.trace;
  const auto& negatives = files.negatives;

  std::string roc, hist, tr;
  for (const auto& set : metrics.sets) {
    if (const auto* s = scores.first(set.name, metrics.seeds)) {
      std::optional<double> auroc;
      for (const auto& [seed, values] : set.per_seed)
        if (seed == s->first) auroc = values.at("auroc");
      if (set.per_seed.empty() && set.sd == std::nullopt) auroc = set.mean.at("auroc");  // one seed: mean is that seed
      roc += roc_figure(set.name, s->first, s->second, auroc);
      hist += histogram_figure(set.name, s->first, s->second);
    } else {
      roc += note(set.name + ": no rows in scores.csv");
      hist += note(set.name + ": no rows in scores.csv");
    }
    if (!trace) continue;
    if (const auto* t = trace->first(set.name, metrics.seeds))
      tr += trace_figure(set.name, t->first, t->second);
    else
      tr += note(set.name + ": no rows in trace.csv");
  }
  if (!trace) tr = note("trace.csv is absent.");

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
