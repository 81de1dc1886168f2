// An image from the web, decoded (the format is sniffed from its bytes, as for every input)
// and preprocessed both ways (clip and openood) into a model's input tensor. Built once per
// format family with that family's seeds (jpeg, png, webp, bmp); the target is the same.
#include <ants/image.h>

#include <vector>

#include "fuzz-common.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 4 Mpx: enough for every code path, small enough for the fuzzer's memory limit.
  constexpr uint64_t kMaxPixels = uint64_t{1} << 22;
  constexpr int kSize = 32;
  fuzz::expect_clean([&] {
    const ImageRGB8 image = decode_image_memory({data, size}, "fuzz", kMaxPixels);
    std::vector<float> chw(3 * kSize * kSize);
    preprocess_image(image, preprocess_params_clip(kSize), chw.data());
    preprocess_image(image, preprocess_params_openood(kSize), chw.data());
  });
  return 0;
}
