#include "pipeline/report-charts.h"

#include <ants/metrics.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <span>

#include "pipeline/eval-schema.h"
#include "pipeline/html-text.h"
#include "pipeline/svg-chart.h"

namespace ants::pipeline::report {

namespace {

constexpr int kHistogramBins = 40;

std::string figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + (caption.empty() ? "" : "<figcaption>" + esc(caption) + "</figcaption>") + "</figure>\n";
}

// metrics.json's AUROC of `seed`, when it has one.
std::optional<double> recorded_auroc(const MetricsRow& set, int64_t seed) {
  std::optional<double> auroc;
  for (const auto& [s, values] : set.per_seed)
    if (s == seed) auroc = values.at("auroc");
  if (set.per_seed.empty() && set.sd == std::nullopt) auroc = set.mean.at("auroc");  // one seed: mean is that seed
  return auroc;
}

// Trapezoid area under the curve, in percent.
double auroc_percent(const RocCurve& roc) {
  double area = 0;
  for (size_t i = 1; i < roc.fpr.size(); ++i) area += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2;
  return schema::kPercent * area;
}

std::string roc_figure(const std::string& set, int64_t seed, const RunScores& run, std::optional<double> auroc) {
  if (run.id.empty() || run.ood.empty())
    return note(set + ": no ROC curve (seed " + std::to_string(seed) + " has " + std::to_string(run.id.size()) +
                " ID and " + std::to_string(run.ood.size()) + " OOD scores; both are needed)");
  // OOD is the positive class; the detector's score is higher for ID, so it is negated.
  const size_t n = run.ood.size() + run.id.size();
  std::unique_ptr<bool[]> positive(new bool[n]);  // not vector<bool>: roc_curve takes a span
  std::vector<double> neg(n);
  for (size_t i = 0; i < run.ood.size(); ++i) positive[i] = true, neg[i] = -run.ood[i];
  for (size_t i = 0; i < run.id.size(); ++i) positive[run.ood.size() + i] = false, neg[run.ood.size() + i] = -run.id[i];
  const RocCurve roc = roc_curve(std::span<const bool>(positive.get(), n), neg);
  if (!auroc) auroc = auroc_percent(roc);
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

// Each class's share of its scores per bin over [lo, hi].
std::vector<double> bin_shares(const std::vector<double>& v, double lo, double hi) {
  std::vector<double> b(kHistogramBins, 0.0);
  for (double x : v) {
    const int i = static_cast<int>((x - lo) / (hi - lo) * kHistogramBins);
    b[static_cast<size_t>(std::clamp(i, 0, kHistogramBins - 1))] += 1.0 / static_cast<double>(v.size());
  }
  return b;
}

// A filled step outline of the bins.
std::string bars(const Chart& ch, const std::vector<double>& b, double lo, double hi, const char* cls) {
  std::string d = "M";
  d.append(Chart::c(ch.px(lo))).append(" ").append(Chart::c(ch.py(0)));
  for (int i = 0; i < kHistogramBins; ++i) {
    d.append("V").append(Chart::c(ch.py(b[static_cast<size_t>(i)])));
    d.append("H").append(Chart::c(ch.px(lo + (hi - lo) * (i + 1) / kHistogramBins)));
  }
  return std::string("<path class='bars ").append(cls).append("' d='").append(d).append("V").append(Chart::c(ch.py(0))).append("Z'/>");
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
  const auto bi = bin_shares(run.id, lo, hi), bo = bin_shares(run.ood, lo, hi);
  const double top = std::max(*std::max_element(bi.begin(), bi.end()), *std::max_element(bo.begin(), bo.end()));
  const auto [y0, y1] = nice_range(0, top, 5);
  const Chart ch(420, 320, lo, hi, y0, y1);
  const Ticks xt = nice_ticks(lo, hi, 6);
  std::string s = ch.begin(set + ": scores", xt, nice_ticks(y0, y1, 5), "score (higher = more ID)", "share of images");
  if (!run.id.empty()) s += bars(ch, bi, lo, hi, "id");
  if (!run.ood.empty()) s += bars(ch, bo, lo, hi, "ood");
  s += ch.legend({{"id", "ID (" + std::to_string(run.id.size()) + ")"}, {"ood", "OOD (" + std::to_string(run.ood.size()) + ")"}});
  s += "</svg>";
  return figure(s, "seed " + std::to_string(seed) + "; " + std::to_string(kHistogramBins) +
                       " bins over the score range; each class sums to 1");
}

// "seed S, N batches" and, when trace.csv has them, the banks' sizes and updates at the end.
std::string trace_caption(int64_t seed, const std::vector<TracePoint>& trace) {
  std::string caption = "seed " + std::to_string(seed) + ", " + std::to_string(trace.size()) + " batches";
  const TracePoint& last = trace.back();
  if (last.far_rows && last.near_rows)
    caption += "; at the end: " + fixed(*last.far_rows, 0) + " far and " + fixed(*last.near_rows, 0) + " near bank rows";
  if (last.ens_updates && last.vsnl_updates)
    caption += ", " + fixed(*last.ens_updates, 0) + " ENS and " + fixed(*last.vsnl_updates, 0) + " VSNL updates";
  return caption;
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
  if (trace.size() <= 60) s += ch.dots(b, g, "gamma") + ch.dots(b, l, "lambda");  // more would hide the lines
  s += ch.legend({{"gamma", "γ (adaptive threshold)"}, {"lambda", "λ (fusion weight)"}});
  s += "</svg>";
  return figure(s, trace_caption(seed, trace));
}

// AdaNeg's state: the images its memories hold after each batch (γ and λ are not its own).
std::string memory_figure(const std::string& set, int64_t seed, const std::vector<TracePoint>& trace) {
  std::vector<double> b, m;
  for (const auto& t : trace) b.push_back(t.batch), m.push_back(t.memory_images.value_or(0));
  const auto [y0, y1] = nice_range(0, std::max(1.0, *std::max_element(m.begin(), m.end())), 5);
  const double bx0 = b.front(), bx1 = std::max(b.back(), b.front() + 1);
  const Chart ch(420, 300, bx0, bx1, y0, y1);
  std::string s = ch.begin(set + ": AdaNeg memories", nice_ticks(bx0, bx1, 6, true), nice_ticks(y0, y1, 5), "batch",
                           "images held");
  s += ch.line(b, m, "gamma");
  if (trace.size() <= 60) s += ch.dots(b, m, "gamma");
  s += ch.legend({{"gamma", "images in the memories"}});
  s += "</svg>";
  const TracePoint& last = trace.back();
  return figure(s, "seed " + std::to_string(seed) + ", " + std::to_string(trace.size()) + " batches; at the end: " +
                       fixed(last.memory_images.value_or(0), 0) + " images in the memories of " +
                       fixed(last.memory_labels.value_or(0), 0) + " labels");
}

std::string no_rows(const std::string& set, const char* file) { return note(set + ": no rows in " + file); }

}  // namespace

std::string roc_charts(const EvalFiles& files) {
  std::string out;
  for (const auto& set : files.metrics.sets) {
    const auto* s = files.scores.first(set.name, files.metrics.seeds);
    out += s ? roc_figure(set.name, s->first, s->second, recorded_auroc(set, s->first))
             : no_rows(set.name, schema::kScoresCsv);
  }
  return out;
}

std::string histogram_charts(const EvalFiles& files) {
  std::string out;
  for (const auto& set : files.metrics.sets) {
    const auto* s = files.scores.first(set.name, files.metrics.seeds);
    out += s ? histogram_figure(set.name, s->first, s->second) : no_rows(set.name, schema::kScoresCsv);
  }
  return out;
}

bool has_memory_trace(const EvalFiles& files) {
  if (!files.trace) return false;
  for (const auto& set : files.metrics.sets) {
    const auto* t = files.trace->first(set.name, files.metrics.seeds);
    if (t && !t->second.empty() && t->second.back().memory_images) return true;
  }
  return false;
}

std::string trace_charts(const EvalFiles& files) {
  if (!files.trace) return note(std::string(schema::kTraceCsv) + " is absent.");
  const auto m = files.run.is_object() ? files.run.find("method") : files.run.end();
  const bool adaneg = files.run.is_object() && m != files.run.end() && m->is_string() && *m == "adaneg";
  std::string out;
  for (const auto& set : files.metrics.sets) {
    const auto* t = files.trace->first(set.name, files.metrics.seeds);
    if (!t) {
      out += no_rows(set.name, schema::kTraceCsv);
    } else if (adaneg && !t->second.empty() && t->second.back().memory_images) {
      out += memory_figure(set.name, t->first, t->second);
    } else {
      out += trace_figure(set.name, t->first, t->second);
    }
  }
  return out;
}

}  // namespace ants::pipeline::report
