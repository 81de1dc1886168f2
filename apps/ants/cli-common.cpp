#include "cli-common.h"

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

Progress::Progress(std::string what, size_t total, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::update(size_t done) {
  done_ = done;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  double sec = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "ants: %s %zu/%zu (%.1f %s/s)\n", what_.c_str(), done_, total_, sec > 0 ? done_ / sec : 0.0, unit_.c_str());
}

void Progress::finish() {
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (sec >= 1.0) {
    std::fprintf(stderr, "ants: %s %zu/%zu in %.1f s (%.1f %s/s)\n", what_.c_str(), done_, total_, sec, done_ / sec, unit_.c_str());
  }
}

}  // namespace ants::cli
