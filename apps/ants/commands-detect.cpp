// detect: score an image stream, one row per input; calibrate: the threshold that keeps a share
// of ID images.
#include <ants/pipeline.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli-common.h"
#include "commands.h"
#include "mllm-options.h"
#include "scoring-options.h"

namespace ants::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct DetectArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::vector<std::string> inputs;
  std::string out, state;
  std::optional<double> threshold;
  int state_every = 10;
  size_t max_inputs = 0;  // 0 = all
};

// The rows of `detect`: CSV (default) or JSON lines (an --out ending in .jsonl / .json).
class RowWriter {
 public:
  RowWriter(const std::string& path, bool append) : jsonl_(path.ends_with(".jsonl") || path.ends_with(".json")) {
    if (!path.empty()) {
      file_.open(path, append ? std::ios::app : std::ios::trunc);
      if (!file_) throw Error(ErrorCode::io, path + ": cannot open for writing");
      out_ = &file_;
    }
    if (!jsonl_ && !append) *out_ << "file,pred,pred_name,prob,score,ood,error\n";
    path_ = path.empty() ? "stdout" : path;
  }

  void write(const ScoredImage& r, const std::vector<std::string>& classes, std::optional<double> threshold) {
    const bool ok = r.error.empty();
    const std::string ood = ok && threshold ? (r.score < *threshold ? "1" : "0") : "";
    if (jsonl_) {
      json j{{"file", r.file}};
      if (ok) {
        j.update({{"pred", r.pred}, {"pred_name", classes[static_cast<size_t>(r.pred)]}, {"prob", r.prob}, {"score", r.score}});
        if (threshold) j["ood"] = r.score < *threshold;
      } else {
        j["error"] = r.error;
      }
      *out_ << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    } else if (ok) {
      char nums[64];
      std::snprintf(nums, sizeof nums, ",%.9g,%.9g,", r.prob, r.score);
      *out_ << csv_field(r.file) << "," << r.pred << "," << csv_field(classes[static_cast<size_t>(r.pred)]) << nums
            << ood << ",\n";
    } else {
      *out_ << csv_field(r.file) << ",,,,,," << csv_field(r.error) << "\n";
    }
  }

  void flush() {
    out_->flush();
    if (!*out_) throw Error(ErrorCode::io, path_ + ": write failed");
  }

 private:
  bool jsonl_;
  std::ofstream file_;
  std::ostream* out_ = &std::cout;
  std::string path_;
};

struct Pipeline {
  std::unique_ptr<ClipModel> model;
  std::unique_ptr<MllmClient> mllm;
  std::unique_ptr<OodScorer> scorer;
  ImageFeatureOptions features;
  Method method = Method::ants;
};

Pipeline make_pipeline(ScoringCliOptions& s, const MllmCliOptions* m, bool sync) {
  Pipeline p;
  const ScorerOptions so = to_scorer_options(s);
  p.method = so.method;
  p.model = load_model(s.model);
  p.features = to_feature_options(s, *p.model);
  if (m) p.mllm = make_mllm(*m, sync);
  if (p.method == Method::ants && !p.mllm && !s.quiet)
    std::cerr << "ants: note: no --mllm-url or --mllm-replay: ANTS runs without adaptive banks (= NegLabel)\n";
  std::optional<Progress> progress;
  p.scorer = std::make_unique<OodScorer>(*p.model, load_class_names(s), so, p.mllm.get(), [&](size_t done, size_t total) {
    if (!progress) progress.emplace("negative bank: embedded texts", total, "texts", s.quiet);
    progress->update(done);
  });
  if (progress) progress->finish();
  if (!s.quiet)
    for (const auto& w : p.scorer->warnings()) std::cerr << "ants: warning: " << w << "\n";
  return p;
}

// Streams `files[first, end)` in detector batches; calls on_batch with each batch's results and
// the number of inputs consumed so far.
template <typename OnBatch>
void stream(Pipeline& p, const ScoringCliOptions& s, const std::vector<std::string>& files, size_t first, size_t end,
            OnBatch on_batch) {
  Progress progress("scored images", end, "images", s.quiet);
  progress.update(first);
  for (size_t at = first; at < end; at += s.batch) {
    const std::vector<std::string> chunk(files.begin() + static_cast<std::ptrdiff_t>(at),
                                         files.begin() + static_cast<std::ptrdiff_t>(std::min(end, at + s.batch)));
    const auto embedded = embed_images_cached(*p.model, chunk, p.features, [&](size_t done, size_t) {
      progress.update(at + done);
    });
    on_batch(p.scorer->score(embedded), at + chunk.size());
  }
  progress.finish();
}

// The image files of the inputs; says so when there are none (a mistyped or empty directory).
std::vector<std::string> inputs_of(const std::vector<std::string>& inputs, bool quiet) {
  auto files = collect_image_files(inputs);
  if (files.empty() && !quiet) std::cerr << "ants: warning: no image files in the inputs\n";
  return files;
}

// Where the rows of a resumed run start: the rows file cut back to its size at the checkpoint, so
// rows written after the last save (a crash between saves) are neither lost nor duplicated.
void truncate_rows(const std::string& out, uint64_t bytes) {
  std::error_code ec;
  const uint64_t size = fs::file_size(out, ec);
  if (ec || size < bytes) {
    throw Error(ErrorCode::invalid_argument, out + ": holds " + (ec ? std::string("no") : std::to_string(size)) +
                                                 " bytes but the state expects at least " + std::to_string(bytes) +
                                                 " (the rows file changed since the state was saved)");
  }
  fs::resize_file(out, bytes, ec);
  if (ec) throw Error(ErrorCode::io, out + ": cannot truncate: " + ec.message());
}

uint64_t rows_size(const std::string& out) {
  std::error_code ec;
  return out.empty() ? 0 : static_cast<uint64_t>(fs::file_size(out, ec));
}

// The last input of this run: all, or --max-inputs rounded up to whole detector batches, so a
// later run resumes on a batch boundary and scores exactly as an uninterrupted run would.
size_t run_end(size_t first, size_t total, size_t max_inputs, size_t batch) {
  if (max_inputs == 0) return total;
  const size_t batches = (max_inputs + batch - 1) / batch;
  return std::min(total, first + batches * batch);
}

int run_detect(DetectArgs& a) {
  Pipeline p = configure([&] { return make_pipeline(a.scoring, &a.mllm, a.mllm.sync); });
  const auto files = configure([&] { return inputs_of(a.inputs, a.scoring.quiet); });
  const std::string setup = a.state.empty() ? "" : stream_setup(*p.scorer, p.features, a.scoring.batch, files);
  StreamCheckpoint at{setup, 0, 0};
  if (!a.state.empty()) {
    configure([&] {
      if (auto saved = load_checkpoint(a.state, setup, *p.scorer)) at = *saved;
      if (at.consumed > files.size()) throw Error(ErrorCode::format, a.state + ": consumed count past the inputs");
      if (at.consumed > 0 && !a.out.empty()) truncate_rows(a.out, at.output_bytes);
    });
    if (at.consumed > 0 && !a.scoring.quiet)
      std::cerr << "ants: resuming after " << at.consumed << " of " << files.size() << " inputs\n";
  }
  const size_t first = at.consumed;
  std::optional<RowWriter> writer;  // in place: it points at its own stream
  configure([&] { writer.emplace(a.out, first > 0 && !a.out.empty()); });
  size_t failed = 0, batches = 0;
  const size_t end = run_end(first, files.size(), a.max_inputs, a.scoring.batch);
  auto checkpoint = [&](size_t consumed) {
    at.consumed = consumed;
    at.output_bytes = rows_size(a.out);
    save_checkpoint(a.state, at, *p.scorer);
  };
  stream(p, a.scoring, files, first, end, [&](const std::vector<ScoredImage>& rows, size_t consumed) {
    for (const auto& r : rows) {
      if (!r.error.empty()) {
        ++failed;
        if (!a.scoring.quiet) std::cerr << "ants: skipped " << r.error << "\n";
      }
      writer->write(r, p.scorer->classes(), a.threshold);
    }
    writer->flush();
    if (!a.state.empty() && (++batches % static_cast<size_t>(a.state_every) == 0 || consumed == end))
      checkpoint(consumed);
  });
  if (!a.state.empty() && first == end) checkpoint(first);
  if (p.mllm && !a.scoring.quiet) print_mllm_summary(*p.mllm);
  if (failed > 0 && !a.scoring.quiet) std::cerr << "ants: " << failed << " of " << files.size() << " inputs could not be read\n";
  return failed > 0 ? kExitFailure : 0;
}

struct CalibrateArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::vector<std::string> inputs;
  double tpr = 0.95;
};

int run_calibrate(CalibrateArgs& a) {
  Pipeline p = configure([&] { return make_pipeline(a.scoring, &a.mllm, true); });
  const auto files = configure([&] { return inputs_of(a.inputs, a.scoring.quiet); });
  std::vector<double> scores;
  size_t failed = 0;
  stream(p, a.scoring, files, 0, files.size(), [&](const std::vector<ScoredImage>& rows, size_t) {
    for (const auto& r : rows) {
      if (r.error.empty()) {
        scores.push_back(r.score);
      } else {
        ++failed;
        if (!a.scoring.quiet) std::cerr << "ants: skipped " << r.error << "\n";
      }
    }
  });
  if (scores.empty()) throw Error(ErrorCode::invalid_argument, "calibrate: no readable ID image");
  std::sort(scores.begin(), scores.end());
  // The largest threshold that keeps at least `tpr` of the ID scores (score ≥ threshold = ID).
  const size_t keep = static_cast<size_t>(std::ceil(a.tpr * static_cast<double>(scores.size()) - 1e-9));
  const double threshold = scores[scores.size() - std::max<size_t>(keep, 1)];
  const size_t kept = static_cast<size_t>(scores.end() - std::lower_bound(scores.begin(), scores.end(), threshold));
  print_json_line({{"threshold", threshold}, {"tpr", a.tpr}, {"kept", kept}, {"n", scores.size()},
                   {"kept_share", static_cast<double>(kept) / static_cast<double>(scores.size())}});
  return failed > 0 ? kExitFailure : 0;
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
