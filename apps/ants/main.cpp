// The ants command line: a thin shell over the library. Results go to stdout, progress and
// errors to stderr; exit 0 on success, 1 when some input failed, 2 on usage errors.
#include <ants/error.h>
#include <ants/version.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli-common.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ants: zero-shot, training-free, test-time OOD detection (ANTS) with a native CLIP engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ants " ANTS_VERSION);
  int exit_code = 0;
  ants::cli::add_clip_commands(app, exit_code);
  ants::cli::add_negatives_commands(app, exit_code);
  ants::cli::add_metrics_commands(app, exit_code);
  ants::cli::add_mllm_commands(app, exit_code);
  ants::cli::add_detect_commands(app, exit_code);
  ants::cli::add_eval_commands(app, exit_code);
  ants::cli::add_ablate_commands(app, exit_code);
  ants::cli::add_demo_commands(app, exit_code);
  ants::cli::add_report_commands(app, exit_code);
  ants::cli::add_cache_images_commands(app, exit_code);
  ants::cli::add_serve_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ants: error: " << e.what() << " (see ants --help)\n";
    return ants::cli::kExitUsage;
  } catch (const ants::Error& e) {
    std::cerr << "ants: error: " << e.what() << "\n";
    return e.code() == ants::ErrorCode::invalid_argument ? ants::cli::kExitUsage : ants::cli::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "ants: error: " << e.what() << "\n";
    return ants::cli::kExitFailure;
  }
  return exit_code;
}
