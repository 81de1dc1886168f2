// report: remake report.html from the files an earlier `ants eval` left in its output directory.
#include <ants/pipeline.h>

#include <iostream>
#include <memory>

#include "commands.h"

namespace ants::cli {

void add_report_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand(
      "report", "remake report.html in an `ants eval` output directory from its metrics.json, run.json, scores.csv, "
                "trace.csv and negatives.json; prints the report's path");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "the --out directory of ants eval")->required()->check(CLI::ExistingDirectory);
  cmd->callback([dir, &rc] {
    pipeline::write_report_html(*dir);
    std::cout << (std::filesystem::path(*dir) / "report.html").string() << "\n";
    rc = 0;
  });
}

}  // namespace ants::cli
