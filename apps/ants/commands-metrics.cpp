// metrics: OpenOOD v1.5 metrics (spec §6.1) from two files of scores, one JSON object on stdout.
#include <ants/metrics.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cli-common.h"
#include "commands.h"

namespace ants::cli {

namespace {

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// One finite number per line; blank lines and lines starting with '#' are skipped.
std::vector<double> read_scores(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, path + ": cannot open");
  std::vector<double> scores;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string t = trimmed(line);
    if (t.empty() || t[0] == '#') continue;
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(v))
      throw Error(ErrorCode::format, path + ":" + std::to_string(n) + ": not a finite number: '" + t + "'");
    scores.push_back(v);
  }
  if (in.bad()) throw Error(ErrorCode::io, path + ": read error");
  if (scores.empty()) throw Error(ErrorCode::format, path + ": no scores");
  return scores;
}

struct MetricsArgs {
  std::string id, ood;
};

void run_metrics(const MetricsArgs& a) {
  const OodMetrics m = ood_metrics(read_scores(a.id), read_scores(a.ood));
  nlohmann::json j{{"n_id", m.n_id}, {"n_ood", m.n_ood}};
  for (const auto& [key, value] : percent_metrics(m)) j[key] = value;
  print_json_line(j);
}

}  // namespace

void add_metrics_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand(
      "metrics", "OpenOOD v1.5 metrics in percent from ID and OOD score files (one score per line, higher = more ID)");
  auto a = std::make_shared<MetricsArgs>();
  cmd->add_option("--id", a->id, "file of ID scores")->required();
  cmd->add_option("--ood", a->ood, "file of OOD scores")->required();
  cmd->callback([a, &rc] {
    run_metrics(*a);
    rc = 0;
  });
}

}  // namespace ants::cli
