// The options detect, calibrate and eval share: method and every spec constant, presets of the
// authors' scripts, negative banks, preprocessing, batching, caching and quiet output.
#pragma once

#include <ants/pipeline.h>

#include <CLI/CLI.hpp>
#include <string>

#include "cli-common.h"

namespace ants::cli {

struct ScoringCliOptions {
  ModelOptions model;
  std::string classes, method = "ants", mode = "ada", preset, preprocess, negatives, corpus, cache_dir;
  std::string threshold_rule = "head", lambda_rule = "head";
  int count = 10000, infer_batch = 32;
  size_t batch = 256;
  bool no_cache = false, quiet = false;
  DetectorOptions detector;
  // Set by add_scoring_options so a preset only fills what the user did not give.
  CLI::Option *mode_opt = nullptr, *ens_stop_opt = nullptr, *near_start_opt = nullptr, *aa_opt = nullptr,
              *aa_count_opt = nullptr;
};

// --model, --precision, --threads, --classes, --method, --mode, --preset, every spec constant,
// --negatives, --corpus, --count, --preprocess (default `default_preprocess`), --batch,
// --infer-batch, --no-cache, --cache-dir, --quiet.
void add_scoring_options(CLI::App& cmd, ScoringCliOptions& o, const std::string& default_preprocess);

// Library options (preset applied); throws ants::Error(invalid_argument) on a bad value.
ScorerOptions to_scorer_options(ScoringCliOptions& o);
ImageFeatureOptions to_feature_options(const ScoringCliOptions& o, const ClipModel& model);

// Loads classes (warnings to stderr unless quiet) and builds the scorer with progress.
std::vector<std::string> load_class_names(const ScoringCliOptions& o);

}  // namespace ants::cli
