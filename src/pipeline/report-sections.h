// The report's text sections, each the HTML inside its <section>: the run summary, the metrics
// tables, the mined negatives and the warnings. Values from run.json are checked as they are
// used (format errors name run.json).
#pragma once

#include <string>

#include "pipeline/eval-reader.h"

namespace ants::pipeline::report {

std::string summary_section(const EvalFiles& files);
std::string metrics_section(const MetricsFile& m);
std::string negatives_section(const EvalFiles& files);
std::string warnings_section(const EvalFiles& files);

}  // namespace ants::pipeline::report
