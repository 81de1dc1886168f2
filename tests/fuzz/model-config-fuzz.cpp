// config.json (Hugging Face) and open_clip_config.json, read and checked against real weights
// of a tiny model of each layout. Input: one byte choosing the layout, then the config text.
#include <ants/clip.h>

#include "fuzz-common.h"

using namespace ants;

namespace {
fuzz::fs::path model_dir(bool open_clip) { return fuzz::scratch() / (open_clip ? "open_clip" : "hf"); }

fuzz::fs::path config_file(bool open_clip) {
  return model_dir(open_clip) / (open_clip ? "open_clip_config.json" : "config.json");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const bool open_clip : {false, true}) {
    RandomModelParams p;
    p.arch = RandomArch::tiny;
    p.layout = open_clip ? "open_clip" : "hf";
    write_random_model(model_dir(open_clip), p);
    if (const char* dir = fuzz::seed_dir()) {
      std::ifstream in(config_file(open_clip), std::ios::binary);
      fuzz::write_file(fuzz::fs::path(dir) / p.layout, std::string(1, open_clip ? '\1' : '\0') + std::string(std::istreambuf_iterator<char>(in), {}));
    }
  }
  if (fuzz::seed_dir()) std::exit(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool open_clip = data[0] & 1;
  const auto dir = model_dir(open_clip);
  fuzz::write_file(config_file(open_clip), fuzz::as_view(data + 1, size - 1));
  ClipParams params = clip_default_params();
  params.precision = Precision::fp32;
  params.n_threads = 1;
  fuzz::expect_clean([&] { ClipModel::load(dir, params); });
  return 0;
}
