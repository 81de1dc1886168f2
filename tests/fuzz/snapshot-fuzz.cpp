// A detector snapshot (AntsDetector::restore, the server's and Python's state files): envelope,
// setup fingerprint, scalars, histories, labels and bank rows; a restored detector must then
// score the next batch. Input: one byte (whether to reseal the checksum), then the file.
#include "detector-fixture.h"
#include "fuzz-common.h"

using namespace ants;

namespace {

constexpr int kDim = 8;

struct Fixture {
  std::unique_ptr<Mllm> mllm = fuzz::fixed_answer_mllm();
  AntsDetector detector{fuzz::random_rows(3, kDim, 1), fuzz::random_rows(40, kDim, 2), 100.0f,
                        {"cat", "dog", "car"},
                        [](const std::vector<std::string>& texts) {
                          return fuzz::random_rows(texts.size(), kDim, static_cast<uint32_t>(std::hash<std::string>{}(texts.empty() ? "" : texts.front())));
                        },
                        mllm.get(), fuzz::small_detector_options()};
  FeatureMatrix batch = fuzz::random_rows(8, kDim, 3);
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void write_seeds(const fuzz::fs::path& dir) {
  Fixture& f = fixture();
  fuzz::write_file(dir / "fresh", std::string(1, '\1') + f.detector.snapshot_bytes());
  for (uint32_t b = 0; b < 6; ++b) f.detector.process(fuzz::random_rows(8, kDim, 10 + b), fuzz::image_refs(8, 8 * b));
  fuzz::write_file(dir / "after-6-batches", std::string(1, '\1') + f.detector.snapshot_bytes());
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
  f.detector.reset();
  fuzz::expect_clean([&] {
    f.detector.restore_bytes(bytes, "fuzz");
    f.detector.process(f.batch, fuzz::image_refs(8, 0));
  });
  return 0;
}
