// A `--state` checkpoint left by `ants detect`, possibly by a crash: envelope, setup, position and
// the scorer's snapshot, checked against the current setup; a resumed stream must then score the
// next batch. Input: one byte (whether to reseal the checksum), then the file.
#include <ants/clip.h>
#include <ants/scorer.h>
#include <ants/stream.h>

#include "detector-fixture.h"
#include "fuzz-common.h"

using namespace ants;

namespace {

struct Fixture {
  Fixture() {
    RandomModelParams p;
    write_random_model(fuzz::scratch() / "model", p);
    ClipParams params = clip_default_params();
    params.precision = Precision::fp32;
    params.n_threads = 1;
    model = ClipModel::load(fuzz::scratch() / "model", params);
    ScorerOptions o;
    o.detector = fuzz::small_detector_options();
    o.negatives_bank = fuzz::random_rows(40, model->embed_dim(), 2);
    scorer = std::make_unique<OodScorer>(*model, std::vector<std::string>{"cat", "dog", "car"}, o, mllm.get());
    setup = stream_setup(*scorer, {}, 8, {"a.png", "b.png"});
  }
  std::vector<ImageEmbedding> batch(uint32_t seed) const {
    const FeatureMatrix rows = fuzz::random_rows(8, model->embed_dim(), seed);
    std::vector<ImageEmbedding> out;
    for (size_t i = 0; i < rows.rows; ++i) out.push_back({"image-" + std::to_string(i), rows.row_vector(i), ""});
    return out;
  }

  std::unique_ptr<Mllm> mllm = fuzz::fixed_answer_mllm();
  std::unique_ptr<ClipModel> model;
  std::unique_ptr<OodScorer> scorer;
  std::string setup;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void write_seed(const fuzz::fs::path& dir, const std::string& name, uint64_t consumed) {
  Fixture& f = fixture();
  const auto path = fuzz::scratch() / "seed.state";
  save_checkpoint(path, {f.setup, consumed, 0, {}}, *f.scorer);
  std::ifstream in(path, std::ios::binary);
  fuzz::write_file(dir / name, "\1" + std::string(std::istreambuf_iterator<char>(in), {}));
}

void write_seeds(const fuzz::fs::path& dir) {
  write_seed(dir, "fresh", 0);
  for (uint32_t b = 0; b < 6; ++b) fixture().scorer->score(fixture().batch(10 + b), fuzz::image_refs(8, 8 * b));
  write_seed(dir, "after-6-batches", 48);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = fuzz::seed_dir()) {
    write_seeds(dir);
    std::exit(0);
  }
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string bytes(fuzz::as_view(data + 1, size - 1));
  if (data[0] & 1) bytes = fuzz::reseal(std::move(bytes));
  Fixture& f = fixture();
  f.scorer->reset();
  const auto path = fuzz::write_scratch("stream.state", bytes);
  fuzz::expect_clean([&] {
    if (load_checkpoint(path, f.setup, *f.scorer)) f.scorer->score(f.batch(3), fuzz::image_refs(8, 0));
  });
  return 0;
}
