// report.html of an evaluation: one self-contained page (inline CSS and SVG, no script, no
// network) with the metrics, ROC curves, score histograms, γ/λ traces, mined negatives and
// warnings.
#pragma once

#include <ants/pipeline.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ants::pipeline {

// `metrics` and `run` are the objects written to metrics.json and run.json.
std::string report_html(const EvalResult& result, const nlohmann::json& metrics, const nlohmann::json& run);

}  // namespace ants::pipeline
