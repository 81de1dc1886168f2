// The eval command's arguments and runner, shared with `ants demo` (which is an eval on built-in
// data).
#pragma once

#include <ants/pipeline.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli-common.h"
#include "mllm-options.h"
#include "scoring-options.h"

namespace ants::cli {

struct EvalArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::string id, out, data_root, seeds, runs;
  std::vector<std::string> ood;
  uint32_t seed = 0;
  std::optional<double> ood_ratio;
  std::string order = "shuffle", stream = "per-set";
  bool require_cached = false;
};

// What an eval needs before its first image, built from the arguments (usage errors exit 2 here):
// the model, the MLLM, the sets, the scorer's options and class names, the eval options and the
// run.json facts (without the MLLM's counters).
struct EvalSetup {
  std::unique_ptr<ClipModel> model;
  std::unique_ptr<MllmClient> mllm;
  std::vector<OodSet> sets;
  std::vector<LabeledImage> id_images;
  std::vector<std::string> classes;
  ScorerOptions scorer;
  EvalOptions eval;
  EvalFacts facts;
};
EvalSetup prepare_eval(EvalArgs& a);

// The progress callback of run_eval (one bar per stage on stderr) for `quiet` or not.
class EvalProgressBars {
 public:
  explicit EvalProgressBars(bool quiet) : quiet_(quiet) {}
  void update(const std::string& stage, size_t done, size_t total);
  void finish();

 private:
  bool quiet_;
  std::optional<Progress> bar_;
  std::string current_;
};

// Runs the evaluation and writes every output file into a.out; returns the exit code.
int run_eval_command(EvalArgs& a);
// --id, --ood, --data-root, --out, --seed(s), --require-cached, --ood-ratio, --order, --stream,
// --runs (with_runs) and the scoring and MLLM options.
void add_eval_options(CLI::App& cmd, EvalArgs& a, bool with_runs);

}  // namespace ants::cli
