// eval: OOD detection quality on benchmark splits, the OpenOOD v1.5 way (method.md §6).
#include <ants/mllm-client.h>
#include <ants/pipeline.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "commands.h"
#include "eval-command.h"

namespace ants::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<uint32_t> parse_seeds(const std::string& text, uint32_t single) {
  if (text.empty()) return {single};
  std::vector<uint32_t> seeds;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    try {
      size_t used = 0;
      const unsigned long v = std::stoul(item, &used);
      if (used != item.size() || v > 0xffffffffUL) throw std::invalid_argument(item);
      seeds.push_back(static_cast<uint32_t>(v));
    } catch (const std::exception&) {
      throw Error(ErrorCode::invalid_argument, "--seeds: '" + item + "' is not a seed (e.g. --seeds 0,1,2)");
    }
    pos = comma + 1;
  }
  return seeds;
}

}  // namespace

EvalSetup prepare_eval(EvalArgs& a) {
  EvalSetup s;
  s.scorer = configure([&] { return to_scorer_options(a.scoring); });
  s.model = configure([&] { return load_model(a.scoring.model); });
  s.mllm = configure([&] { return make_mllm(a.mllm, /*sync=*/true, a.scoring.bank.cache_dir, a.scoring.model.reference); });
  if (s.scorer.method == Method::ants && !s.mllm && !a.scoring.quiet)
    std::cerr << "ants: note: no MLLM (--mllm-url / --mllm-replay): ANTS runs without adaptive banks (= NegLabel)\n";
  configure([&] {
    for (const auto& spec : a.ood) s.sets.push_back(parse_ood_set(spec, a.data_root));
    s.id_images = read_image_set(a.id, a.data_root, false);
    s.classes = load_class_names(a.scoring.bank, a.scoring.quiet);
    s.eval.seeds = parse_seeds(a.seeds, a.seed);
    if (!a.runs.empty()) s.eval.runs = parse_run_keys(a.runs);
    s.eval.order = parse_stream_order(a.order);
    s.eval.stream = parse_stream_kind(a.stream);
  });
  s.eval.batch = a.scoring.batch;
  s.eval.features = to_embed_options(a.scoring, *s.model);
  s.eval.features.require_cached = a.require_cached;
  s.eval.ood_ratio = a.ood_ratio;
  s.facts = EvalFacts{a.scoring.model.dir, a.scoring.bank.classes, a.scoring.preprocess, a.scoring.preset,
                      a.scoring.mode, s.mllm != nullptr, {}};
  s.facts.reference = a.scoring.model.reference;
  if (s.mllm) {
    s.facts.prompt_ens = s.mllm->prompt_origin("ens");
    s.facts.prompt_vsnl = s.mllm->prompt_origin("vsnl");
  }
  return s;
}

void EvalProgressBars::update(const std::string& stage, size_t done, size_t total) {
  if (stage != current_ || !bar_) {
    finish();
    current_ = stage;
    bar_.emplace(stage == "embedding" ? "embedding images" : "scoring " + stage, total, "images", quiet_);
  }
  bar_->update(done);
}

void EvalProgressBars::finish() {
  if (bar_) bar_->finish();
  bar_.reset();
}

int run_eval_command(EvalArgs& a) {
  EvalSetup s = prepare_eval(a);
  auto scorer = configure([&] { return std::make_unique<OodScorer>(*s.model, s.classes, s.scorer, s.mllm.get()); });
  EvalProgressBars bars(a.scoring.quiet);
  const EvalResult r = run_eval(*s.model, *scorer, s.id_images, s.sets, s.eval,
                                [&](const std::string& stage, size_t done, size_t total) { bars.update(stage, done, total); });
  bars.finish();
  for (const auto& f : r.failed)
    if (!a.scoring.quiet) std::cerr << "ants: skipped " << f.error << "\n";
  print_warnings(r.warnings, a.scoring.quiet);
  if (s.mllm) s.facts.mllm_stats = s.mllm->stats();
  EvalRunInfo info = eval_run_info(*s.model, *scorer, s.facts);
  info.warnings.insert(info.warnings.end(), r.warnings.begin(), r.warnings.end());
  const json metrics = json::parse(write_eval_outputs(a.out, r, s.sets, s.eval, info));
  if (s.mllm && !a.scoring.quiet) print_mllm_summary(*s.mllm);
  print_json_line(metrics);
  if (!a.scoring.quiet && stderr_is_terminal()) print_metrics_table(metrics, a.out);
  return r.failed.empty() ? 0 : kExitFailure;
}

void add_eval_options(CLI::App& cmd, EvalArgs& a, bool with_runs) {
  add_scoring_options(cmd, a.scoring, "openood");
  add_mllm_options(cmd, a.mllm, false);
  cmd.add_option("--id", a.id, "ID images: an OpenOOD image list (`path label` per line) or a directory")->required();
  cmd.add_option("--ood", a.ood, "an OOD set: NAME=LIST[:near|far] (list or directory; repeat for each set)")->required();
  cmd.add_option("--data-root", a.data_root, "directory the image lists' paths are relative to");
  cmd.add_option("--out,-o", a.out, "output directory")->required();
  cmd.add_option("--seed", a.seed, "stream shuffle seed (default: 0)");
  cmd.add_option("--seeds", a.seeds, "several seeds, e.g. 0,1,2: mean and sample std of each metric");
  cmd.add_flag("--require-cached", a.require_cached,
               "score only from cached image embeddings; any missing: exit 2 naming how many (no CLIP work)");
  cmd.add_option("--ood-ratio", a.ood_ratio,
                 "ID:OOD protocol: each run keeps round(R x ID images) OOD images (or all OOD and round(OOD/R) ID "
                 "images), chosen by torch_randperm(seed)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--order", a.order,
                 "stream order: shuffle (default), id-first, ood-first, near-then-far or far-then-near (the last two "
                 "with --stream joint; each block shuffled with the seed; the paper's temporal shift)")
      ->check(CLI::IsMember({"shuffle", "id-first", "ood-first", "near-then-far", "far-then-near"}));
  cmd.add_option("--stream", a.stream,
                 "per-set (default: one reset stream per OOD set) or joint (per seed, ID and every OOD set in one "
                 "stream without resets; metrics per set from it)")
      ->check(CLI::IsMember({"per-set", "joint"}));
  if (with_runs) {
    cmd.add_option("--runs", a.runs,
                   "compute only these runs, SET:SEED[,SET:SEED...] (SET an --ood name, SEED one of --seeds); "
                   "`ants eval-merge` puts the parts together");
  }
}

void add_eval_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("eval", "OOD detection metrics on ID + OOD image sets, the OpenOOD v1.5 protocol");
  auto a = std::make_shared<EvalArgs>();
  add_eval_options(*cmd, *a, true);
  cmd->get_option("--out")->description("output directory (metrics.json, metrics.csv, scores.csv, trace.csv, "
                                        "negatives.json, run.json, report.html)");
  cmd->callback([a, &rc] { rc = run_eval_command(*a); });

  auto* merge = app.add_subcommand(
      "eval-merge", "merge the --out directories of `ants eval --runs` parts of one evaluation into OUT, as one "
                    "eval over all runs writes it; prints metrics.json as one line (exit 1 when images were skipped, "
                    "as eval)");
  auto out = std::make_shared<std::string>();
  auto parts = std::make_shared<std::vector<std::string>>();
  merge->add_option("OUT", *out, "output directory")->required();
  merge->add_option("DIR", *parts, "the parts' --out directories")->required()->check(CLI::ExistingDirectory);
  merge->callback([out, parts, &rc] {
    const MergedEval merged = merge_eval_outputs(*out, std::vector<fs::path>(parts->begin(), parts->end()));
    print_json_line(json::parse(merged.metrics_json));
    rc = merged.skipped.empty() ? 0 : kExitFailure;  // as eval: some images could not be read
  });
}

}  // namespace ants::cli
