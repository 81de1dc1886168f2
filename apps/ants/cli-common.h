// Pieces every ants subcommand shares: model options, JSON lines on stdout, progress on stderr.
#pragma once

#include <ants/callbacks.h>
#include <ants/clip.h>
#include <ants/negatives.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

namespace ants::cli {

// Exit codes: 0 success, 1 a run-time failure (some input could not be processed), 2 usage.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct ModelOptions {
  std::string dir;
  std::string precision;  // empty = default_precision()
  int threads = 0;
  bool reference = false;  // --reference: fp32 (and, where an MLLM is used, its reference parsing)
};
// --model (required), --precision, --reference (with_precision), --threads.
void add_model_options(CLI::App& cmd, ModelOptions& opts, bool with_precision = true);
// --max-pixels: the largest image decoded (width × height, judged from its header); larger ones
// are error rows. Every image command has it, with one default (ants::kDefaultMaxPixels).
void add_max_pixels_option(CLI::App& cmd, uint64_t& max_pixels);
// Loads the model; warnings go to stderr.
std::unique_ptr<ClipModel> load_model(const ModelOptions& opts);

// The text-bank options of negatives, detect, calibrate and eval: --classes, --count, --corpus,
// --text-batch, --cache-dir, --no-cache.
struct BankCliOptions {
  std::string classes, corpus, cache_dir;
  int count = 10000, text_batch = 256;
  bool no_cache = false;
};
void add_bank_options(CLI::App& cmd, BankCliOptions& o);
CacheOptions cache_options(const BankCliOptions& o);
// NegLabelOptions from the bank options (count, corpus, text batch, cache).
NegLabelOptions neglabel_options(const BankCliOptions& o);
// The class list (built-in name or file); its warnings go to stderr unless quiet.
std::vector<std::string> load_class_names(const BankCliOptions& o, bool quiet);

// "ants: warning: W" on stderr for each, unless quiet.
void print_warnings(const std::vector<std::string>& warnings, bool quiet);

// Runs the set-up part of a command (model, MLLM client, class list, banks, input lists, saved
// state): an ants::Error there is a configuration error (exit 2), while errors once the inputs are
// being processed stay run-time failures (exit 1).
template <typename F>
auto configure(F&& setup) -> decltype(setup()) {
  try {
    return setup();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::internal) throw;
    throw Error(ErrorCode::invalid_argument, e.what());
  }
}

// One compact JSON document per line on stdout (invalid UTF-8 replaced, never thrown).
void print_json_line(const nlohmann::json& j);

// Progress on stderr: a bar with rate and ETA redrawn in place on a terminal, plain
// rate-limited lines otherwise; nothing when quiet.
class Progress {
 public:
  Progress(std::string what, size_t total, std::string unit, bool quiet = false);
  void set_label(std::string what);
  void update(size_t done);
  void finish();

 private:
  void print(bool final) const;
  std::string what_, unit_;
  size_t total_, done_ = 0;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
};

bool stderr_is_terminal();
// The metrics.json of an eval as a table on stderr (set, split, AUROC, FPR95, AUPR-In/Out, each
// mean ± std over seeds) and where the report is, for people; stdout keeps the JSON.
void print_metrics_table(const nlohmann::json& metrics, const std::string& out_dir);

// A progress bar made on the first report, when the total is known (a library call that needs
// no work never shows one).
class LazyProgress {
 public:
  LazyProgress(std::string what, std::string unit, bool quiet) : what_(std::move(what)), unit_(std::move(unit)), quiet_(quiet) {}
  ProgressFn callback();
  void finish();

 private:
  std::string what_, unit_;
  bool quiet_;
  std::optional<Progress> bar_;
};

}  // namespace ants::cli
