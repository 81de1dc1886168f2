// The files write_eval_outputs leaves in an eval's --out directory, declared once for their
// writer (eval-output.cpp) and their reader (the report): names, CSV columns, metric keys and
// how the report heads them.
#pragma once

#include <ants/metrics.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace ants::pipeline::schema {

inline constexpr char kMetricsJson[] = "metrics.json";
inline constexpr char kMetricsCsv[] = "metrics.csv";
inline constexpr char kScoresCsv[] = "scores.csv";
inline constexpr char kTraceCsv[] = "trace.csv";
inline constexpr char kNegativesJson[] = "negatives.json";
inline constexpr char kRunJson[] = "run.json";
inline constexpr char kReportHtml[] = "report.html";

// metrics.json and metrics.csv hold every metric in percent: the fraction times this.
inline constexpr double kPercent = 100;

// A metric of metrics.json, by its key in the "mean", "std" and "per_seed" objects.
struct Metric {
  const char* key;
  const char* heading;      // the report's column heading
  const char* description;  // the heading's hover text, or nullptr
  bool higher_is_better;
};

// In the report's column order; the first five are percent_metrics' keys, in its order.
inline constexpr std::array<Metric, 6> kMetrics = {{
    {"auroc", "AUROC", "area under the ROC curve", true},
    {"fpr95", "FPR@95 (OpenOOD)", "OpenOOD: OOD positive, FPR at the first threshold with TPR ≥ 95 %", false},
    {"fpr95_id_positive", "FPR@95 (ID-positive)",
     "MCM/NegLabel: share of OOD kept at the threshold that keeps 95 % of ID", false},
    {"aupr_in", "AUPR-In", nullptr, true},
    {"aupr_out", "AUPR-Out", nullptr, true},
    {"acc", "ACC", nullptr, true},  // not an OodMetrics rate: classification accuracy on ID
}};

// metrics.csv follows OpenOOD's csv: the set or split name, then these metrics (two decimals).
struct CsvMetric {
  const char* column;
  const char* key;  // in kMetrics
};
inline constexpr char kMetricsCsvNameColumn[] = "dataset";
inline constexpr std::array<CsvMetric, 5> kMetricsCsvColumns = {{
    {"FPR@95", "fpr95"}, {"AUROC", "auroc"}, {"AUPR_IN", "aupr_in"}, {"AUPR_OUT", "aupr_out"}, {"ACC", "acc"}}};

// scores.csv: one row per scored image, the rows of one (set, seed) run together.
inline constexpr std::array<const char*, 6> kScoresColumns = {"set", "seed", "file", "label", "pred", "score"};

// trace.csv: one row per detector batch. The columns after the first kTraceRequiredColumns
// (the banks' sizes and update counts; AdaNeg's memories) only annotate the report, which draws
// without them. Evals before AdaNeg's memory columns wrote the first kTraceColumnsV1.
inline constexpr std::array<const char*, 11> kTraceColumns = {
    "set",       "seed",      "batch",        "gamma",         "lambda",       "far_rows",
    "near_rows", "ens_updates", "vsnl_updates", "memory_labels", "memory_images"};
inline constexpr size_t kTraceRequiredColumns = 5;
inline constexpr size_t kTraceColumnsV1 = 9;

// The writer fills metrics.json from percent_metrics and the reader looks the values up by
// kMetrics: a metric renamed or reordered on one side only must not compile.
constexpr bool agrees_with_percent_metrics() {
  const auto rates = percent_metrics(OodMetrics{.auroc = 1});
  for (size_t i = 0; i < rates.size(); ++i)
    if (std::string_view(rates[i].key) != kMetrics[i].key) return false;
  return rates[0].value == kPercent;
}
static_assert(agrees_with_percent_metrics());

constexpr bool is_metric_key(std::string_view key) {
  for (const Metric& m : kMetrics)
    if (key == m.key) return true;
  return false;
}
constexpr bool csv_columns_are_metrics() {
  for (const CsvMetric& c : kMetricsCsvColumns)
    if (!is_metric_key(c.key)) return false;
  return true;
}
static_assert(csv_columns_are_metrics());

}  // namespace ants::pipeline::schema
