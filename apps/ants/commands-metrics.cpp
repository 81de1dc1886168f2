// metrics: OpenOOD v1.5 metrics (method.md §6.1) from two files of scores, one JSON object on stdout.
#include <ants/metrics.h>

#include <string>
#include <vector>

#include "cli-common.h"
#include "commands.h"

namespace ants::cli {

namespace {

struct MetricsArgs {
  std::string id, ood;
};

void run_metrics(const MetricsArgs& a) {
  const OodMetrics m = ood_metrics(read_score_file(a.id), read_score_file(a.ood));
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
