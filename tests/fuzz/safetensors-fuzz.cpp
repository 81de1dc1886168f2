// A checkpoint from a hub: the safetensors header and tensor table, then the full model
// validation against a config (names, dtypes, shapes, NaN/Inf scan), as every model command
// loads it. Input: a little-endian u32 count of zero bytes to append, then the file's first
// bytes. The seeds hold a real header with the size of its data region, so mutations explore the
// header and table without carrying megabytes of weights. A header naming the ResNet attention
// pool is checked against a ResNet model's config (open_clip layout), any other against a ViT's.
#include <ants/clip.h>

#include "fuzz-common.h"

using namespace ants;

namespace {
const fuzz::fs::path& model_dir() {
  static const fuzz::fs::path dir = fuzz::scratch() / "model";
  return dir;
}
const fuzz::fs::path& resnet_dir() {
  static const fuzz::fs::path dir = fuzz::scratch() / "resnet";
  return dir;
}

// The data size as the pad, then the length and header of a written model's file.
std::string seed_of(const fuzz::fs::path& file_path);
std::string read_all(const fuzz::fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Per dtype of the tiny model: the data size as the pad, then the length and header.
void write_seeds(const fuzz::fs::path& dir) {
  const std::pair<TensorDtype, const char*> dtypes[] = {{TensorDtype::f32, "f32"}, {TensorDtype::f16, "f16"}, {TensorDtype::bf16, "bf16"}};
  for (const auto& [dtype, name] : dtypes) {
    RandomModelParams p;
    p.dtype = dtype;
    write_random_model(fuzz::scratch() / name, p);
    fuzz::write_file(dir / name, seed_of(fuzz::scratch() / name / "model.safetensors"));
  }
  RandomModelParams rn;
  rn.arch = RandomArch::rn_tiny;
  rn.layout = "open_clip";
  write_random_model(fuzz::scratch() / "rn-seed", rn);
  fuzz::write_file(dir / "resnet-f32", seed_of(fuzz::scratch() / "rn-seed" / "open_clip_model.safetensors"));
}

std::string seed_of(const fuzz::fs::path& file_path) {
  const std::string file = read_all(file_path);
  uint64_t header = 0;
  std::memcpy(&header, file.data(), 8);
  const auto pad = static_cast<uint32_t>(file.size() - 8 - header);
  return std::string(reinterpret_cast<const char*>(&pad), 4) + file.substr(0, 8 + header);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = fuzz::seed_dir()) {
    write_seeds(dir);
    std::exit(0);
  }
  RandomModelParams p;
  p.arch = RandomArch::tiny;
  write_random_model(model_dir(), p);
  p.arch = RandomArch::rn_tiny;
  p.layout = "open_clip";
  write_random_model(resnet_dir(), p);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kMaxPad = 16u << 20;
  if (size < 4) return 0;
  uint32_t pad = 0;
  std::memcpy(&pad, data, 4);
  std::string file(fuzz::as_view(data + 4, size - 4));
  file.append(pad % kMaxPad, '\0');
  const bool resnet = file.find("visual.attnpool.") != std::string::npos;
  const fuzz::fs::path& dir = resnet ? resnet_dir() : model_dir();
  fuzz::write_file(dir / (resnet ? "open_clip_model.safetensors" : "model.safetensors"), file);
  ClipParams params = clip_default_params();
  params.precision = Precision::fp32;
  params.n_threads = 1;
  fuzz::expect_clean([&] { ClipModel::load(dir, params); });
  return 0;
}
