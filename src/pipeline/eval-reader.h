// The files of an eval output directory (see eval-schema.h) read back with every value checked:
// a missing required file is an io error, anything malformed a format error whose message
// starts with the file's path and, for CSV files, the line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ants::pipeline {

// Metric values in percent by key (schema::kMetrics); null when unknown or absent.
using MetricValues = std::map<std::string, std::optional<double>>;

struct MetricsRow {
  std::string name, split;
  std::optional<double> n_id, n_ood;
  MetricValues mean;
  std::optional<MetricValues> sd;                          // present with more than one seed
  std::vector<std::pair<int64_t, MetricValues>> per_seed;  // seed, values
};

// metrics.json.
struct MetricsFile {
  std::string method, mode;
  std::vector<int64_t> seeds;
  std::vector<MetricsRow> sets, splits;
};

// Per set, the runs in the order their seeds first appear.
template <typename T>
struct PerSet {
  std::map<std::string, std::vector<std::pair<int64_t, T>>> sets;

  T& at(const std::string& set, int64_t seed) {
    auto& runs = sets[set];
    for (auto& [s, v] : runs)
      if (s == seed) return v;
    return runs.emplace_back(seed, T{}).second;
  }
  // The run of the first of `seeds` (metrics.json's), else the set's first run.
  const std::pair<int64_t, T>* first(const std::string& set, const std::vector<int64_t>& seeds) const {
    const auto it = sets.find(set);
    if (it == sets.end() || it->second.empty()) return nullptr;
    for (const auto& run : it->second)
      if (!seeds.empty() && run.first == seeds.front()) return &run;
    return &it->second.front();
  }
};

// One run's scores in scores.csv, by class.
struct RunScores {
  std::vector<double> id, ood;
};

// A row of trace.csv; the bank columns are optional.
struct TracePoint {
  double batch = 0, gamma = 0, lambda = 0;
  std::optional<double> far_rows, near_rows, ens_updates, vsnl_updates;
  std::optional<double> memory_labels, memory_images;  // AdaNeg
};

// negatives.json.
struct MinedLabel {
  std::string label;
  int64_t batch = 0;
};
struct MinedNegatives {
  std::vector<MinedLabel> far, near;
};

// Everything the report shows, read in this order (so the first bad file is the one named).
struct EvalFiles {
  MetricsFile metrics;
  std::filesystem::path run_file;
  nlohmann::json run;  // run.json, an object
  PerSet<RunScores> scores;
  std::optional<PerSet<std::vector<TracePoint>>> trace;  // absent when trace.csv is
  std::optional<PerSet<MinedNegatives>> negatives;       // absent when negatives.json is
};

EvalFiles read_eval_files(const std::filesystem::path& out_dir);

MetricsFile read_metrics(const std::filesystem::path& file);
PerSet<RunScores> read_scores(const std::filesystem::path& file);
PerSet<std::vector<TracePoint>> read_trace(const std::filesystem::path& file);
PerSet<MinedNegatives> read_negatives(const std::filesystem::path& file);

}  // namespace ants::pipeline
