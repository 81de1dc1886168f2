// report.html of `ants ablate`: the variants side by side in the paper's table layout.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ants::pipeline {

// The page for a grid.json object (ablation.h): a summary, the split table (rows = variants,
// columns = near/far FPR95 and AUROC, mean ± std over seeds, the best of each column marked), the
// same per OOD set, and each variant's options with a link to its own report.
std::string ablation_report_html(const nlohmann::json& grid);

}  // namespace ants::pipeline
