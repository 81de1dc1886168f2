// A checkpoint from a hub: the safetensors header and tensor table, then the full model
// validation against a config (names, dtypes, shapes, NaN/Inf scan), as every model command
// loads it. Input: a little-endian u32 count of zero bytes to append, then the file's first
// bytes. The seeds hold a real header with the size of its data region, so mutations explore the
// header and table without carrying megabytes of weights.
#include <ants/clip.h>

#include "fuzz-common.h"

using namespace ants;

namespace {
const fuzz::fs::path& model_dir() {
  static const fuzz::fs::path dir = fuzz::scratch() / "model";
  return dir;
}
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
    const std::string file = read_all(fuzz::scratch() / name / "model.safetensors");
    uint64_t header = 0;
    std::memcpy(&header, file.data(), 8);
    const auto pad = static_cast<uint32_t>(file.size() - 8 - header);
    fuzz::write_file(dir / name, std::string(reinterpret_cast<const char*>(&pad), 4) + file.substr(0, 8 + header));
  }
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
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kMaxPad = 16u << 20;
  if (size < 4) return 0;
  uint32_t pad = 0;
  std::memcpy(&pad, data, 4);
  std::string file(fuzz::as_view(data + 4, size - 4));
  file.append(pad % kMaxPad, '\0');
  fuzz::write_file(model_dir() / "model.safetensors", file);
  ClipParams params = clip_default_params();
  params.precision = Precision::fp32;
  params.n_threads = 1;
  fuzz::expect_clean([&] { ClipModel::load(model_dir(), params); });
  return 0;
}
