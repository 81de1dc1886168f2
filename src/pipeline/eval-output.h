// What write_eval_outputs and merge_eval_outputs share: metrics.json and metrics.csv made from
// per-run metrics, run.json's volatile fields, and the JSON writer.
#pragma once

#include <ants/eval.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ants::pipeline {

// One run's metrics as metrics.json's per_seed holds them: percent by schema::kMetrics key
// (NaN where unknown), and the stream's size.
struct RunPercent {
  std::string set;
  uint32_t seed = 0;
  std::map<std::string, double> values;
  size_t n_id = 0, n_ood = 0;
};

// metrics.json's object: per set of `sets` that has runs, and per near/far split.
nlohmann::json metrics_json(const std::vector<RunPercent>& runs, const std::vector<OodSet>& sets,
                            const std::vector<uint32_t>& seeds, const std::string& method, const std::string& mode);
std::string metrics_csv(const nlohmann::json& metrics);

// run.json's timings object.
nlohmann::json timings_json(double embed_s, double score_s, size_t scored_images);

// One CSV record: the fields quoted where needed, comma-separated, ending in "\n".
std::string csv_record(const std::vector<std::string>& fields);

// Pretty JSON (one space indent), written atomically.
void write_json(const std::filesystem::path& path, const nlohmann::json& j);

}  // namespace ants::pipeline
