// The options detect, calibrate and eval share: method and every spec constant, presets of the
// authors' scripts, negative banks, preprocessing, batching, caching and quiet output.
#pragma once

#include <ants/pipeline.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli-common.h"

namespace ants::cli {

struct ScoringCliOptions {
  ModelOptions model;
  BankCliOptions bank;
  std::string method = "ants", mode = "ada", preset, preprocess, negatives;
  std::string threshold_rule = "head", lambda_rule = "head", near_select;
  int infer_batch = 32;
  uint64_t max_pixels = kDefaultMaxPixels;
  size_t batch = 256;
  bool quiet = false;
  DetectorOptions detector;
  AdaNegOptions adaneg;
  std::string adaneg_score = "combine";
  CspOptions csp;
  std::optional<std::string> csp_exclude;
  EoeOptions eoe;
  std::string eoe_task = "far", eoe_logits = "scaled", eoe_preset;
  CLI::Option *eoe_beta_opt = nullptr, *eoe_tau_opt = nullptr, *eoe_logits_opt = nullptr, *eoe_template_opt = nullptr;
  // Set by add_scoring_options so a preset only fills what the user did not give.
  CLI::Option *mode_opt = nullptr, *ens_stop_opt = nullptr, *near_start_opt = nullptr, *aa_opt = nullptr,
              *aa_count_opt = nullptr, *near_top_opt = nullptr, *near_select_opt = nullptr;
};

// --model, --precision, --threads, the bank options, --method, --mode, --preset, every spec
// constant, --negatives, --preprocess (default `default_preprocess`), --batch, --infer-batch,
// --quiet.
void add_scoring_options(CLI::App& cmd, ScoringCliOptions& o, const std::string& default_preprocess);

// Library options (preset applied); throws ants::Error(invalid_argument) on a bad value.
ScorerOptions to_scorer_options(ScoringCliOptions& o);
ImageEmbedOptions to_embed_options(const ScoringCliOptions& o, const ClipModel& model);

}  // namespace ants::cli
