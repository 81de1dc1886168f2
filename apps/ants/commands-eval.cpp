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

int run_eval_command(EvalArgs& a) {
  const ScorerOptions so = configure([&] { return to_scorer_options(a.scoring); });
  auto model = configure([&] { return load_model(a.scoring.model); });
  auto mllm = configure([&] { return make_mllm(a.mllm, /*sync=*/true, a.scoring.bank.cache_dir, a.scoring.model.reference); });
  if (so.method == Method::ants && !mllm && !a.scoring.quiet)
    std::cerr << "ants: note: no MLLM (--mllm-url / --mllm-replay): ANTS runs without adaptive banks (= NegLabel)\n";
  std::vector<OodSet> sets;
  std::vector<LabeledImage> id_images;
  std::unique_ptr<OodScorer> built;
  configure([&] {
    for (const auto& spec : a.ood) sets.push_back(parse_ood_set(spec, a.data_root));
    id_images = read_image_set(a.id, a.data_root, false);
    built = std::make_unique<OodScorer>(*model, load_class_names(a.scoring.bank, a.scoring.quiet), so, mllm.get());
  });
  OodScorer& scorer = *built;

  EvalOptions eo;
  eo.seeds = parse_seeds(a.seeds, a.seed);
  eo.batch = a.scoring.batch;
  eo.features = to_embed_options(a.scoring, *model);
  eo.features.require_cached = a.require_cached;
  if (!a.runs.empty()) eo.runs = configure([&] { return parse_run_keys(a.runs); });
  eo.ood_ratio = a.ood_ratio;
  eo.order = parse_stream_order(a.order);
  eo.stream = parse_stream_kind(a.stream);
  std::optional<Progress> progress;
  std::string current;
  const EvalResult r = run_eval(*model, scorer, id_images, sets, eo, [&](const std::string& set, size_t done, size_t total) {
    if (set != current || !progress) {
      if (progress) progress->finish();
      current = set;
      progress.emplace(set == "embedding" ? "embedding images" : "scoring " + set, total, "images", a.scoring.quiet);
    }
    progress->update(done);
  });
  if (progress) progress->finish();
  for (const auto& f : r.failed)
    if (!a.scoring.quiet) std::cerr << "ants: skipped " << f.error << "\n";
  print_warnings(r.warnings, a.scoring.quiet);
  EvalFacts facts{a.scoring.model.dir, a.scoring.bank.classes, a.scoring.preprocess, a.scoring.preset,
                  a.scoring.mode, mllm != nullptr, {}};
  facts.reference = a.scoring.model.reference;
  if (mllm) {
    facts.mllm_stats = mllm->stats();
    facts.prompt_ens = mllm->prompt_origin("ens");
    facts.prompt_vsnl = mllm->prompt_origin("vsnl");
  }
  EvalRunInfo info = eval_run_info(*model, scorer, facts);
  info.warnings.insert(info.warnings.end(), r.warnings.begin(), r.warnings.end());
  const json metrics = json::parse(write_eval_outputs(a.out, r, sets, eo, info));
  if (mllm && !a.scoring.quiet) print_mllm_summary(*mllm);
  print_json_line(metrics);
  if (!a.scoring.quiet && stderr_is_terminal()) print_metrics_table(metrics, a.out);
  return r.failed.empty() ? 0 : kExitFailure;
}

void add_eval_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("eval", "OOD detection metrics on ID + OOD image sets, the OpenOOD v1.5 protocol");
  auto a = std::make_shared<EvalArgs>();
  add_scoring_options(*cmd, a->scoring, "openood");
  add_mllm_options(*cmd, a->mllm, false);
  cmd->add_option("--id", a->id, "ID images: an OpenOOD image list (`path label` per line) or a directory")->required();
  cmd->add_option("--ood", a->ood, "an OOD set: NAME=LIST[:near|far] (list or directory; repeat for each set)")->required();
  cmd->add_option("--data-root", a->data_root, "directory the image lists' paths are relative to");
  cmd->add_option("--out,-o", a->out, "output directory (metrics.json, metrics.csv, scores.csv, trace.csv, "
                                      "negatives.json, run.json, report.html)")->required();
  cmd->add_option("--seed", a->seed, "stream shuffle seed (default: 0)");
  cmd->add_option("--seeds", a->seeds, "several seeds, e.g. 0,1,2: mean and sample std of each metric");
  cmd->add_flag("--require-cached", a->require_cached,
                "score only from cached image embeddings; any missing: exit 2 naming how many (no CLIP work)");
  cmd->add_option("--ood-ratio", a->ood_ratio,
                  "ID:OOD protocol: each run keeps round(R x ID images) OOD images (or all OOD and round(OOD/R) ID "
                  "images), chosen by torch_randperm(seed)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--order", a->order,
                  "stream order: shuffle (default), id-first, ood-first, near-then-far or far-then-near (the last two "
                  "with --stream joint; each block shuffled with the seed; the paper's temporal shift)")
      ->check(CLI::IsMember({"shuffle", "id-first", "ood-first", "near-then-far", "far-then-near"}));
  cmd->add_option("--stream", a->stream,
                  "per-set (default: one reset stream per OOD set) or joint (per seed, ID and every OOD set in one "
                  "stream without resets; metrics per set from it)")
      ->check(CLI::IsMember({"per-set", "joint"}));
  cmd->add_option("--runs", a->runs,
                  "compute only these runs, SET:SEED[,SET:SEED...] (SET an --ood name, SEED one of --seeds); "
                  "`ants eval-merge` puts the parts together");
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
