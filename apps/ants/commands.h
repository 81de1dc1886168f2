// Each add_* registers subcommands on the app; the callback it sets stores the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace ants::cli {

void add_clip_commands(CLI::App& app, int& exit_code);
void add_negatives_commands(CLI::App& app, int& exit_code);
void add_metrics_commands(CLI::App& app, int& exit_code);
void add_mllm_commands(CLI::App& app, int& exit_code);
void add_detect_commands(CLI::App& app, int& exit_code);
void add_eval_commands(CLI::App& app, int& exit_code);
void add_ablate_commands(CLI::App& app, int& exit_code);
void add_demo_commands(CLI::App& app, int& exit_code);
void add_report_commands(CLI::App& app, int& exit_code);
void add_cache_images_commands(CLI::App& app, int& exit_code);
void add_serve_commands(CLI::App& app, int& exit_code);

}  // namespace ants::cli
