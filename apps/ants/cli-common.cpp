#include "cli-common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <ants/inputs.h>

namespace ants::cli {

void add_model_options(CLI::App& cmd, ModelOptions& opts, bool with_precision) {
  cmd.add_option("--model,-m", opts.dir, "model directory (Hugging Face or open_clip layout)")->required();
  if (with_precision) {
    cmd.add_option("--precision", opts.precision, "fp32 or bf16 (default: bf16 where the CPU has native bf16, else fp32)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
    cmd.add_flag("--reference", opts.reference,
                 "reproduce the paper: fp32 CLIP (the reference's fp16 is closer to fp32 than to bf16) and MLLM answers "
                 "parsed as the reference does (--mllm-parse reference)");
  }
  cmd.add_option("--threads", opts.threads, "compute threads (default: all cores)")->check(CLI::NonNegativeNumber);
}

std::unique_ptr<ClipModel> load_model(const ModelOptions& opts) {
  ClipParams params = clip_default_params();
  if (!opts.precision.empty()) params.precision = parse_precision(opts.precision);
  if (opts.reference && params.precision != Precision::fp32 && !opts.precision.empty())
    throw Error(ErrorCode::invalid_argument, "--reference: runs CLIP in fp32; --precision " + opts.precision + " contradicts it");
  if (opts.reference) params.precision = Precision::fp32;
  params.n_threads = opts.threads;
  std::vector<std::string> warnings;
  auto model = ClipModel::load(opts.dir, params, &warnings);
  print_warnings(warnings, false);
  return model;
}

void add_bank_options(CLI::App& cmd, BankCliOptions& o) {
  cmd.add_option("--classes", o.classes, "ID classes: a built-in list (imagenet, cifar10, cifar100, imagenet-a, imagenet-r, "
                                         "imagenet-10, imagenet-20, imagenet-100, cub200, stanford-cars, food101, oxford-pets) "
                                         "or a file (one name per line; blank and # lines skipped)")->required();
  cmd.add_option("--count", o.count, "NegLabel bank size M (default: 10000)")->check(CLI::PositiveNumber);
  cmd.add_option("--corpus", o.corpus, "NegLabel word lists (adj*txt / noun*txt; default: built-in WordNet lists)");
  cmd.add_option("--text-batch", o.text_batch, "texts per CLIP forward pass (default: 256)")->check(CLI::PositiveNumber);
  cmd.add_flag("--no-cache", o.no_cache, "neither read nor write embedding caches");
  cmd.add_option("--cache-dir", o.cache_dir, "cache directory (default: $ANTS_CACHE_DIR, $XDG_CACHE_HOME/ants or ~/.cache/ants)");
}

CacheOptions cache_options(const BankCliOptions& o) { return CacheOptions{!o.no_cache, o.cache_dir}; }

NegLabelOptions neglabel_options(const BankCliOptions& o) {
  NegLabelOptions n;
  n.count = o.count;
  n.corpus_dir = o.corpus;
  n.text_batch = o.text_batch;
  n.cache = cache_options(o);
  return n;
}

std::vector<std::string> load_class_names(const BankCliOptions& o, bool quiet) {
  std::vector<std::string> warnings;
  auto classes = load_classes(o.classes, &warnings);
  print_warnings(warnings, quiet);
  return classes;
}

void print_warnings(const std::vector<std::string>& warnings, bool quiet) {
  if (quiet) return;
  for (const auto& w : warnings) std::cerr << "ants: warning: " << w << "\n";
}

ProgressFn LazyProgress::callback() {
  return [this](size_t done, size_t total) {
    if (!bar_) bar_.emplace(what_, total, unit_, quiet_);
    bar_->update(done);
  };
}

void LazyProgress::finish() {
  if (bar_) bar_->finish();
  bar_.reset();
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

namespace {

std::string mean_std(const nlohmann::json& row, const char* key) {
  const auto& mean = row.value("mean", nlohmann::json::object());
  if (!mean.contains(key) || !mean[key].is_number()) return "-";
  char buf[48];
  const auto& sd = row.value("std", nlohmann::json::object());
  if (sd.contains(key) && sd[key].is_number()) {
    std::snprintf(buf, sizeof buf, "%.2f ± %.2f", mean[key].get<double>(), sd[key].get<double>());
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", mean[key].get<double>());
  }
  return buf;
}

void print_table_row(const std::string& name, const std::string& split, const nlohmann::json& row) {
  std::fprintf(stderr, "  %-18s %-6s %16s %16s %16s %16s\n", name.c_str(), split.c_str(), mean_std(row, "auroc").c_str(),
               mean_std(row, "fpr95").c_str(), mean_std(row, "aupr_in").c_str(), mean_std(row, "aupr_out").c_str());
}

}  // namespace

void print_metrics_table(const nlohmann::json& m, const std::string& out_dir) {
  std::fprintf(stderr, "\n  %-18s %-6s %16s %16s %16s %16s\n", "OOD set", "split", "AUROC %", "FPR95 %", "AUPR-In %",
               "AUPR-Out %");
  for (const auto& s : m.value("sets", nlohmann::json::array()))
    print_table_row(s.value("name", ""), s.value("split", ""), s);
  for (const auto& s : m.value("splits", nlohmann::json::array())) print_table_row("(mean)", s.value("name", ""), s);
  std::fprintf(stderr, "\nants: report: %s/report.html\n", out_dir.c_str());
}

void print_json_line(const nlohmann::json& j) {
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

Progress::Progress(std::string what, size_t total, std::string unit, bool quiet)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::set_label(std::string what) { what_ = std::move(what); }

void Progress::update(size_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (quiet_ || now - last_ < std::chrono::milliseconds(tty_ ? 200 : 1000)) return;
  last_ = now;
  print(false);
}

// "what [#####.....] done/total unit, rate unit/s, ETA m:ss" — redrawn in place on a terminal,
// one line per second otherwise (logs and CI).
void Progress::print(bool final) const {
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = sec > 0 ? static_cast<double>(done_) / sec : 0.0;
  char eta[32] = "";
  if (!final && rate > 0 && total_ > done_) {
    const long left = static_cast<long>(static_cast<double>(total_ - done_) / rate);
    std::snprintf(eta, sizeof eta, ", ETA %ld:%02ld", left / 60, left % 60);
  } else if (final) {
    std::snprintf(eta, sizeof eta, " in %.1f s", sec);
  }
  if (tty_) {
    const int width = 24, filled = total_ ? static_cast<int>(width * std::min<double>(1.0, double(done_) / total_)) : 0;
    std::fprintf(stderr, "\rants: %s [%s%s] %zu/%zu %s, %.1f %s/s%s\033[K%s", what_.c_str(),
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), '.').c_str(), done_, total_, unit_.c_str(), rate,
                 unit_.c_str(), eta, final ? "\n" : "");
  } else {
    std::fprintf(stderr, "ants: %s %zu/%zu %s (%.1f %s/s%s)\n", what_.c_str(), done_, total_, unit_.c_str(), rate,
                 unit_.c_str(), eta);
  }
}

void Progress::finish() {
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!quiet_ && (sec >= 1.0 || tty_)) print(true);
}

void add_max_pixels_option(CLI::App& cmd, uint64_t& max_pixels) {
  max_pixels = kDefaultMaxPixels;
  cmd.add_option("--max-pixels", max_pixels,
                 "largest image decoded, width x height, judged from its header (default: 268435456 = 2^28); "
                 "larger ones are error rows")
      ->check(CLI::Range(uint64_t{1}, kMaxPixelsLimit));
}

}  // namespace ants::cli
