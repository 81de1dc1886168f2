// ants/ablation.h — the paper's ablation tables in one run: several variants of the scorer's
// options evaluated over the same streams and seeds (`ants ablate`).
//
// Every variant is one eval (ants/eval.h) with the base options plus the variant's, given by the
// names set_scorer_option takes. The images are embedded once: the first variant fills the
// embedding cache and the others read it (with the cache off, each variant embeds again). The MLLM
// answers are shared through its answer cache. Errors: ants::Error, naming the grid file or the
// variant and option.
#pragma once

#include <ants/eval.h>
#include <ants/export.h>
#include <ants/scorer.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ants {

struct AblationVariant {
  std::string name;  // a file name: letters, digits, '.', '_', '-' (its eval goes to variants/NAME)
  std::vector<std::pair<std::string, std::string>> options;  // set_scorer_option(name, value), in order
  // (options a variant does not name keep the base's: e.g. --near-top or --mllm-caption-only
  // apply to every row of a table)
};

// The built-in grids: "paper-3" (Table 3: A fixed γ, B ENS, C VSNL over all classes, D VSNL,
// E fixed λ 0.5, F ANTS; every row sets mode, threshold_rule and lambda_rule) and "paper-9" (Table 9: fractional, logarithmic and exponential λ; the
// last two are ants' own formulas, so the layout is the paper's, not the numbers).
ANTS_API std::vector<std::string> ablation_table_names();
ANTS_API std::vector<AblationVariant> ablation_table(const std::string& name);
// A grid file: {"variants": [{"name": "A", "options": {"threshold_rule": "fixed", "eta": 0.3}}, ...]}
// (option values: strings, numbers or booleans). Error(io) when unreadable, Error(format) naming
// the file for anything else wrong, Error(invalid_argument) for an unknown option or bad value.
ANTS_API std::vector<AblationVariant> read_ablation_grid(const std::filesystem::path& file);

struct AblationInput {
  const ClipModel* model = nullptr;
  std::vector<std::string> classes;
  ScorerOptions base;            // every variant starts from these
  Mllm* mllm = nullptr;          // shared by the variants (synchronous for reproducible tables)
  std::vector<LabeledImage> id_images;
  std::vector<OodSet> ood_sets;
  EvalOptions eval;
  EvalFacts facts;               // run.json's facts; mode and MLLM counters are filled per variant
  std::string table;             // the built-in grid's name, or "" for a grid file
};

// variant (0-based), variants, the variant's name, and run_eval's stage, done and total.
using AblationProgress = std::function<void(size_t variant, size_t variants, const std::string& name,
                                            const std::string& stage, size_t done, size_t total)>;

// Every variant checked and its scorer built (text banks through the cache), before any image
// is read: a bad option or file fails here, not hours into the grid. Throws Error naming the
// variant.
struct AblationPlan {
  AblationInput input;
  std::vector<AblationVariant> variants;
  std::vector<std::unique_ptr<OodScorer>> scorers;  // one per variant
};
ANTS_API AblationPlan plan_ablation(AblationInput input, std::vector<AblationVariant> variants);

// Runs every variant of the plan, one after another, and writes into `out_dir`: variants/NAME/ (everything an
// eval writes), grid.json ({"table", "reference", "variants": [{"name", "options", "metrics"
// (metrics.json's object), "timings"}], "timings"}), grid.csv (one row per variant and set or
// split: mean and std of every metric, in percent) and report.html (first table: rows = variants,
// columns = near/far FPR95 and AUROC, best per column marked). Returns grid.json's text.
// Each variant's run.json counts only its own MLLM requests.
ANTS_API std::string run_ablation(AblationPlan& plan, const std::filesystem::path& out_dir,
                                  const AblationProgress& progress = {});

}  // namespace ants
