// detect: score an image stream, one row per input; calibrate: the threshold that keeps a share
// of ID images. Both are run_file_stream over the inputs.
#include <ants/pipeline.h>

#include <iostream>
#include <memory>
#include <optional>

#include "cli-common.h"
#include "commands.h"
#include "mllm-options.h"
#include "scoring-options.h"

namespace ants::cli {

namespace {

struct DetectArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::vector<std::string> inputs;
  std::string out, state;
  std::optional<double> threshold;
  int state_every = 10;
  size_t max_inputs = 0;  // 0 = all
};

struct Pipeline {
  std::unique_ptr<ClipModel> model;
  std::unique_ptr<MllmClient> mllm;
  std::unique_ptr<OodScorer> scorer;
  ImageEmbedOptions embed;
  std::vector<std::string> files;
};

Pipeline make_pipeline(ScoringCliOptions& s, const MllmCliOptions& m, bool sync, const std::vector<std::string>& inputs) {
  Pipeline p;
  const ScorerOptions so = to_scorer_options(s);
  p.model = load_model(s.model);
  p.embed = to_embed_options(s, *p.model);
  p.mllm = make_mllm(m, sync, s.bank.cache_dir, s.model.reference);
  if (so.method == Method::ants && !p.mllm && !s.quiet)
    std::cerr << "ants: note: no --mllm-url or --mllm-replay: ANTS runs without adaptive banks (= NegLabel)\n";
  LazyProgress progress("negative bank: embedded texts", "texts", s.quiet);
  p.scorer = std::make_unique<OodScorer>(*p.model, load_class_names(s.bank, s.quiet), so, p.mllm.get(),
                                         progress.callback());
  progress.finish();
  print_warnings(p.scorer->warnings(), s.quiet);
  p.files = collect_image_files(inputs);
  if (p.files.empty() && !s.quiet) std::cerr << "ants: warning: no image files in the inputs\n";
  return p;
}

void report_skipped(const std::vector<ScoredImage>& rows, bool quiet) {
  if (quiet) return;
  for (const auto& r : rows)
    if (!r.error.empty()) std::cerr << "ants: skipped " << r.error << "\n";
}

// Errors in setting up the stream (the checkpoint, the rows file) are configuration errors.
FileStreamResult stream(Pipeline& p, FileStreamOptions& o, bool quiet,
                        const std::function<void(const std::vector<ScoredImage>&)>& on_rows) {
  LazyProgress progress("scored images", "images", quiet);  // its total: the inputs of this run
  bool started = false;
  auto on_start = o.on_start;
  o.on_start = [&](size_t first, size_t total) {
    if (on_start) on_start(first, total);
    started = true;
  };
  try {
    FileStreamResult r = run_file_stream(*p.model, *p.scorer, p.files, o, on_rows, progress.callback());
    progress.finish();
    print_warnings(r.warnings, quiet);
    return r;
  } catch (const Error& e) {
    if (started || e.code() == ErrorCode::internal) throw;
    throw Error(ErrorCode::invalid_argument, e.what());
  }
}

int run_detect(DetectArgs& a) {
  Pipeline p = configure([&] { return make_pipeline(a.scoring, a.mllm, a.mllm.sync, a.inputs); });
  FileStreamOptions o;
  o.batch = a.scoring.batch;
  o.embed = p.embed;
  o.state = a.state;
  o.state_every = a.state_every;
  o.max_inputs = a.max_inputs;
  if (!a.state.empty()) o.rows_file = a.out;
  std::optional<RowWriter> writer;  // in place: it points at its own stream
  o.on_start = [&](size_t first, size_t total) {
    if (first > 0 && !a.scoring.quiet) std::cerr << "ants: resuming after " << first << " of " << total << " inputs\n";
    writer.emplace(a.out, first > 0 && !a.out.empty(), std::cout);
  };
  const FileStreamResult r = stream(p, o, a.scoring.quiet, [&](const std::vector<ScoredImage>& rows) {
    report_skipped(rows, a.scoring.quiet);
    for (const auto& row : rows) writer->write(row, p.scorer->classes(), a.threshold);
    writer->flush();
  });
  if (p.mllm && !a.scoring.quiet) print_mllm_summary(*p.mllm);
  if (r.failed > 0 && !a.scoring.quiet)
    std::cerr << "ants: " << r.failed << " of " << p.files.size() << " inputs could not be read\n";
  return r.failed > 0 ? kExitFailure : 0;
}

struct CalibrateArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::vector<std::string> inputs;
  double tpr = 0.95;
};

int run_calibrate(CalibrateArgs& a) {
  Pipeline p = configure([&] { return make_pipeline(a.scoring, a.mllm, true, a.inputs); });
  FileStreamOptions o;
  o.batch = a.scoring.batch;
  o.embed = p.embed;
  std::vector<double> scores;
  const FileStreamResult r = stream(p, o, a.scoring.quiet, [&](const std::vector<ScoredImage>& rows) {
    report_skipped(rows, a.scoring.quiet);
    for (const auto& row : rows)
      if (row.error.empty()) scores.push_back(row.score);
  });
  if (scores.empty()) throw Error(ErrorCode::invalid_argument, "calibrate: no readable ID image");
  const TprThreshold t = threshold_at_tpr(scores, a.tpr);
  print_json_line({{"threshold", t.threshold}, {"tpr", a.tpr}, {"kept", t.kept}, {"n", t.n},
                   {"kept_share", static_cast<double>(t.kept) / static_cast<double>(t.n)}});
  return r.failed > 0 ? kExitFailure : 0;
}

}  // namespace

void add_detect_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("detect", "score images for OOD: one CSV/JSONL row per input (higher score = more ID)");
  auto a = std::make_shared<DetectArgs>();
  add_scoring_options(*cmd, a->scoring, "clip");
  add_mllm_options(*cmd, a->mllm, true);
  cmd->add_option("--out,-o", a->out, "write rows to FILE (.csv, or .jsonl for JSON lines; default: CSV on stdout)");
  cmd->add_option("--threshold", a->threshold, "mark ood=1 when score < T (see `ants calibrate`)");
  cmd->add_option("--state", a->state, "restore the detector from FILE at start, save it every K batches and at the end; "
                                       "rerunning the same command resumes after the inputs already scored");
  cmd->add_option("--state-every", a->state_every, "K: batches between state saves (default: 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--max-inputs", a->max_inputs, "stop after the detector batch that reaches N inputs in this run "
                                                 "(with --state, the next run goes on from there: for time-limited jobs)");
  cmd->add_option("inputs", a->inputs, "image files or directories (recursive)")->required();
  cmd->callback([a, &rc] { rc = run_detect(*a); });

  auto* cal = app.add_subcommand("calibrate", "print the score threshold that keeps a share (--tpr) of ID images");
  auto c = std::make_shared<CalibrateArgs>();
  add_scoring_options(*cal, c->scoring, "clip");
  add_mllm_options(*cal, c->mllm, false);
  cal->add_option("--tpr", c->tpr, "share of ID images to keep (default: 0.95)")->check(CLI::Range(0.0, 1.0));
  cal->add_option("inputs", c->inputs, "ID image files or directories")->required();
  cal->callback([c, &rc] { rc = run_calibrate(*c); });
}

}  // namespace ants::cli
