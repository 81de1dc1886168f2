// The report's charts, one figure per OOD set (its first seed): ROC curve, ID/OOD score
// histograms, γ and λ over detector batches. A note stands in for a chart without data.
#pragma once

#include <string>

#include "pipeline/eval-reader.h"

namespace ants::pipeline::report {

std::string roc_charts(const EvalFiles& files);
std::string histogram_charts(const EvalFiles& files);
std::string trace_charts(const EvalFiles& files);
// Whether trace.csv has AdaNeg's memory columns (evals before them wrote γ and λ only).
bool has_memory_trace(const EvalFiles& files);

}  // namespace ants::pipeline::report
