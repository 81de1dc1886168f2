// negatives: the NegLabel bank for a class list (method.md §3.1–§3.2), one prompt per line.
#include <ants/negatives.h>
#include <ants/files.h>
#include <ants/inputs.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli-common.h"
#include "commands.h"

namespace ants::cli {

namespace {

struct NegativesArgs {
  ModelOptions model;
  BankCliOptions bank;
  std::string out;
  bool scores = false;
};

// Shortest text that reads back as the same float.
std::string float_text(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

std::string bank_text(const NegLabelBank& b, bool scores) {
  std::string text;
  for (size_t i = 0; i < b.bank.size(); ++i) {
    text.append(b.bank.prompts[i]);
    if (scores) text.append("\t").append(float_text(b.q[i]));
    text.push_back('\n');
  }
  return text;
}

const char* cache_state(const NegLabelBank& b, bool enabled) {
  if (!enabled) return "off";
  if (b.cache_hit) return "bank hit";
  return b.candidates_cached ? "candidates hit, bank stored" : "miss, stored";
}

void print_summary(const NegLabelBank& b, double seconds, bool cache_enabled) {
  const NegLabelCorpusCounts& c = b.counts;
  std::fprintf(stderr,
               "ants: negatives: adjectives %zu lines, %zu unique, %zu not ID, %zu not nouns; nouns %zu lines, %zu "
               "unique, %zu not ID; selected %zu adjectives + %zu nouns = %zu in %.2f s (cache: %s)\n",
               c.adj_lines, c.adj_unique, c.adj_not_id, c.adjectives, c.noun_lines, c.noun_unique, c.noun_not_id,
               b.n_adjectives, b.bank.size() - b.n_adjectives, b.bank.size(), seconds, cache_state(b, cache_enabled));
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  write_file_atomic(path, text);
}

void run_negatives(const NegativesArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> classes = load_class_names(a.bank, false);
  auto model = load_model(a.model);
  const NegLabelOptions opts = neglabel_options(a.bank);
  LazyProgress progress("embedded texts", "texts", false);
  NegLabelBank bank = select_neglabel_bank(*model, classes, opts, progress.callback());
  progress.finish();
  print_warnings(bank.warnings, false);
  write_output(a.out, bank_text(bank, a.scores));
  print_summary(bank, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                opts.cache.enabled);
}

}  // namespace

void add_negatives_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand(
      "negatives", "print the NegLabel negative prompts for a class list (bank order, one per line, as embedded)");
  auto a = std::make_shared<NegativesArgs>();
  add_model_options(*cmd, a->model);
  add_bank_options(*cmd, a->bank);
  // Earlier releases called the text batch --batch here; there is no detector batch in this command.
  cmd->add_option("--batch", a->bank.text_batch, "same as --text-batch")->group("")->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", a->out, "write the prompts to FILE instead of stdout");
  cmd->add_flag("--scores", a->scores, "append a tab and each prompt's quantile similarity q");
  cmd->callback([a, &rc] {
    run_negatives(*a);
    rc = 0;
  });
}

}  // namespace ants::cli
