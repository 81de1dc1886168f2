// config.json (Hugging Face) and open_clip_config.json, read and checked against real weights
// of a tiny model of each kind: ViT in each layout, and a ModifiedResNet (open_clip layout). Input:
// one byte choosing the model (mod 3: hf, open_clip, open_clip ResNet), then the config text.
#include <ants/clip.h>

#include "fuzz-common.h"

using namespace ants;

namespace {
struct Kind {
  const char* name;
  RandomArch arch;
  const char* layout;
};
constexpr Kind kKinds[] = {{"hf", RandomArch::tiny, "hf"}, {"open_clip", RandomArch::tiny, "open_clip"},
                           {"resnet", RandomArch::rn_tiny, "open_clip"}};

fuzz::fs::path model_dir(const Kind& k) { return fuzz::scratch() / k.name; }

fuzz::fs::path config_file(const Kind& k) {
  return model_dir(k) / (std::string(k.layout) == "hf" ? "config.json" : "open_clip_config.json");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (size_t i = 0; i < std::size(kKinds); ++i) {
    RandomModelParams p;
    p.arch = kKinds[i].arch;
    p.layout = kKinds[i].layout;
    write_random_model(model_dir(kKinds[i]), p);
    if (const char* dir = fuzz::seed_dir()) {
      std::ifstream in(config_file(kKinds[i]), std::ios::binary);
      fuzz::write_file(fuzz::fs::path(dir) / kKinds[i].name, std::string(1, static_cast<char>(i)) + std::string(std::istreambuf_iterator<char>(in), {}));
    }
  }
  if (fuzz::seed_dir()) std::exit(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Kind& kind = kKinds[data[0] % std::size(kKinds)];
  const auto dir = model_dir(kind);
  fuzz::write_file(config_file(kind), fuzz::as_view(data + 1, size - 1));
  ClipParams params = clip_default_params();
  params.precision = Precision::fp32;
  params.n_threads = 1;
  fuzz::expect_clean([&] { ClipModel::load(dir, params); });
  return 0;
}
