// ablate: the paper's ablation tables (or a grid of one's own) over one embedding pass.
#include <ants/ablation.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "eval-command.h"

namespace ants::cli {

namespace {

struct AblateArgs {
  EvalArgs eval;
  std::string grid, table;
  bool no_reference = false;
};

int run_ablate_command(AblateArgs& a) {
  if (a.no_reference && a.table.empty())
    throw Error(ErrorCode::invalid_argument, "--no-reference: only --table turns --reference on");
  if (!a.table.empty() && !a.no_reference) {  // the paper's settings
    if (a.eval.scoring.model.precision == "bf16")
      throw Error(ErrorCode::invalid_argument, "--table runs with --reference (fp32): add --no-reference for --precision bf16");
    a.eval.scoring.model.reference = true;
  }
  std::vector<AblationVariant> variants =
      configure([&] { return a.table.empty() ? read_ablation_grid(a.grid) : ablation_table(a.table); });
  EvalSetup s = prepare_eval(a.eval);
  AblationInput in;
  in.model = s.model.get();
  in.classes = s.classes;
  in.base = s.scorer;
  in.mllm = s.mllm.get();
  in.id_images = s.id_images;
  in.ood_sets = s.sets;
  in.eval = s.eval;
  in.facts = s.facts;
  in.table = a.table;
  AblationPlan plan = configure([&] { return plan_ablation(std::move(in), std::move(variants)); });
  EvalProgressBars bars(a.eval.scoring.quiet);
  size_t shown = SIZE_MAX;
  const std::string grid = run_ablation(plan, a.eval.out,
                                        [&](size_t i, size_t n, const std::string& name, const std::string& stage,
                                            size_t done, size_t total) {
                                          if (i != shown && !a.eval.scoring.quiet) {
                                            bars.finish();
                                            std::cerr << "ants: variant " << i + 1 << " of " << n << ": " << name << "\n";
                                            shown = i;
                                          }
                                          bars.update(stage, done, total);
                                        });
  bars.finish();
  if (s.mllm && !a.eval.scoring.quiet) print_mllm_summary(*s.mllm);
  const nlohmann::json g = nlohmann::json::parse(grid);
  print_json_line(g);
  if (!a.eval.scoring.quiet)
    std::cerr << "ants: wrote " << (std::filesystem::path(a.eval.out) / "report.html").string() << ", grid.json, grid.csv\n";
  return g.value("skipped_images", false) ? kExitFailure : 0;
}

}  // namespace

void add_ablate_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("ablate", "the paper's ablation tables (or a grid of option variants): every variant "
                                           "evaluated over the same streams and seeds, one embedding pass");
  auto a = std::make_shared<AblateArgs>();
  add_eval_options(*cmd, a->eval, false);
  cmd->get_option("--out")->description("output directory: grid.json, grid.csv, report.html, variants/NAME/");
  auto* grid = cmd->add_option("--grid", a->grid, "a grid file: {\"variants\": [{\"name\", \"options\": {...}}]}");
  auto* table = cmd->add_option("--table", a->table, "a built-in grid: paper-3 (Table 3, rows A-F) or paper-9 (Table 9)")
                    ->check(CLI::IsMember({"paper-3", "paper-9"}));
  grid->excludes(table);
  cmd->add_flag("--no-reference", a->no_reference, "with --table: keep the defaults instead of --reference");
  cmd->callback([a, &rc, grid, table] {
    if (grid->count() + table->count() != 1) throw CLI::ValidationError("ablate", "give --grid FILE or --table NAME");
    rc = run_ablate_command(*a);
  });
}

}  // namespace ants::cli
