// demo: the main job on built-in data, on a machine with nothing else: a tiny random-weight CLIP,
// generated ID and OOD images, and the MLLM's answers replayed from a file shipped with ants.
#include <ants/files.h>
#include <ants/pipeline.h>

#include <iostream>

#include "commands.h"
#include "eval-command.h"

namespace ants::cli {

namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "ants-demo";
  int images = 200, threads = 0;
  bool quiet = false;
  MllmCliOptions mllm;  // --mllm-url (with --mllm-record) asks a real server instead of the replay
};

// The demo's eval: 4 ID scenes vs. textures, ANTS with settings scaled to a stream of a few
// hundred images (candidates fire ENS at 20, VSNL from batch 2 every 3 batches), three seeds.
EvalArgs demo_eval(const DemoArgs& d) {
  const fs::path out = d.out;
  const fs::path model = out / "model";
  if (!fs::exists(model / "config.json")) write_random_model(model, RandomModelParams{});
  const auto id = write_demo_images(out / "images", d.images, d.images);
  std::string classes, list;
  for (const auto& c : demo_class_names()) classes += c + "\n";
  for (const auto& im : id) list += fs::relative(im.file, out / "images").string() + " " + std::to_string(im.label) + "\n";
  write_file_atomic(out / "classes.txt", classes);
  write_file_atomic(out / "id.txt", list);

  EvalArgs a;
  a.scoring.model.dir = model.string();
  a.scoring.model.precision = "fp32";
  a.scoring.model.threads = d.threads;
  a.scoring.bank.classes = (out / "classes.txt").string();
  a.scoring.preprocess = "clip";
  a.scoring.batch = 32;
  a.scoring.quiet = d.quiet;
  a.scoring.bank.count = 2000;
  a.scoring.detector.min_candidates = 20;
  a.scoring.detector.near_start_batch = 2;
  a.scoring.detector.near_interval = 3;
  a.scoring.detector.similar_limit = 4;
  a.id = (out / "id.txt").string();
  a.data_root = (out / "images").string();
  a.ood = {"textures=" + (out / "images" / "ood").string() + ":far"};
  a.seeds = "0,1,2";
  a.out = (out / "eval").string();
  a.mllm = d.mllm;
  if (a.mllm.url.empty() && a.mllm.replay.empty()) {
    write_file_atomic(out / "mllm-replay.jsonl", std::string(demo_mllm_replay()));
    a.mllm.replay = (out / "mllm-replay.jsonl").string();
  }
  if (a.mllm.model.empty()) a.mllm.model = "ants-demo";
  return a;
}

}  // namespace

void add_demo_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("demo", "run ants eval end to end on built-in data: a tiny random CLIP, generated "
                                         "images and replayed MLLM answers (no downloads, no server)");
  auto d = std::make_shared<DemoArgs>();
  cmd->add_option("--out,-o", d->out, "working directory (default: ants-demo)");
  cmd->add_option("--images", d->images, "ID images and OOD images to generate (default: 200 each)")
      ->check(CLI::Range(8, 100000));
  cmd->add_flag("--quiet,-q", d->quiet, "no progress on stderr");
  cmd->add_option("--threads", d->threads, "compute threads (default: all cores)");
  add_mllm_options(*cmd, d->mllm, false);
  cmd->callback([d, &rc] {
    EvalArgs a = demo_eval(*d);
    rc = run_eval_command(a);
    if (!d->quiet) std::cerr << "ants: demo: results in " << a.out << " (metrics.json, scores.csv, report.html)\n";
  });
}

}  // namespace ants::cli
