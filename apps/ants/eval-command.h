// The eval command's arguments and runner, shared with `ants demo` (which is an eval on built-in
// data).
#pragma once

#include <cstdint>
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

// Runs the evaluation and writes every output file into a.out; returns the exit code.
int run_eval_command(EvalArgs& a);

}  // namespace ants::cli
