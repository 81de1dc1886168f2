#include "cli-common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace ants::cli {

void add_model_options(CLI::App& cmd, ModelOptions& opts, bool with_precision) {
  cmd.add_option("--model,-m", opts.dir, "model directory (Hugging Face or open_clip layout)")->required();
  if (with_precision) {
    cmd.add_option("--precision", opts.precision, "fp32 or bf16 (default: bf16 where the CPU has native bf16, else fp32)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
  }
  cmd.add_option("--threads", opts.threads, "compute threads (default: all cores)")->check(CLI::NonNegativeNumber);
}

std::unique_ptr<ClipModel> load_model(const ModelOptions& opts) {
  ClipParams params = clip_default_params();
  if (!opts.precision.empty()) params.precision = parse_precision(opts.precision);
  params.n_threads = opts.threads;
  std::vector<std::string> warnings;
  auto model = ClipModel::load(opts.dir, params, &warnings);
  for (const auto& w : warnings) std::cerr << "ants: warning: " << w << "\n";
  return model;
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

}  // namespace ants::cli
