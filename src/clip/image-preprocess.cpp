// CLIP/OpenOOD preprocessing, equal to torchvision 0.14 on a PIL image:
// Resize(int, BICUBIC) -> CenterCrop -> ToTensor -> Normalize.
#include <ants/image.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "clip/image-resize.h"
#include "core/error.h"

namespace ants {

namespace {

void check_image_size(int image_size) {
  if (image_size <= 0 || image_size > 65536) {
    core::fail(ErrorCode::invalid_argument, "image_size",
               "must be in 1..65536, got " + std::to_string(image_size));
  }
}

// torchvision's _compute_resized_output_size: the shorter side becomes `size`, the longer one
// int(size * long / short), computed in double as Python does.
std::pair<int, int> resized_size(int width, int height, int size) {
  const bool portrait = width <= height;
  const int shorter = portrait ? width : height;
  const int longer = portrait ? height : width;
  const double new_long_exact = static_cast<double>(int64_t{size} * longer) / shorter;
  // Only the crop is resized (resize_bicubic_window), so the resized extent needs only to fit an int.
  if (new_long_exact >= static_cast<double>(INT32_MAX)) {
    core::fail(ErrorCode::invalid_argument, "preprocess_image",
               "image of " + std::to_string(width) + "x" + std::to_string(height) +
                   " pixels is too elongated to resize");
  }
  const int new_long = static_cast<int>(new_long_exact);
  return portrait ? std::pair{size, new_long} : std::pair{new_long, size};
}

// Python's int(round(n / 2.0)) for n >= 0: halves go to the even neighbour.
int half_even_half(int n) {
  const int q = n / 2;
  return (n % 2 == 0 || q % 2 == 0) ? q : q + 1;
}

// torchvision's center_crop: pads with zeros (left/top get the floor half) when the image is
// smaller than the crop, then crops at the rounded centre offset. Returns the position of the
// crop's top-left corner in the unpadded image's coordinates (may be negative).
int crop_origin(int image_extent, int crop_extent) {
  const int pad_before = crop_extent > image_extent ? (crop_extent - image_extent) / 2 : 0;
  const int padded = image_extent > crop_extent ? image_extent : crop_extent;
  return half_even_half(padded - crop_extent) - pad_before;
}

void check_params(const ImageRGB8& image, const PreprocessParams& p) {
  if (image.width <= 0 || image.height <= 0 ||
      image.data.size() != static_cast<size_t>(image.width) * image.height * 3) {
    core::fail(ErrorCode::invalid_argument, "preprocess_image", "image is empty or its data size is wrong");
  }
  if (p.resize_size <= 0 || p.crop_size <= 0 || p.resize_size > 65536 || p.crop_size > 65536) {
    core::fail(ErrorCode::invalid_argument, "preprocess_image", "resize and crop sizes must be in 1..65536");
  }
  for (float s : p.std) {
    if (!(s != 0.0f)) core::fail(ErrorCode::invalid_argument, "preprocess_image", "std must be nonzero");
  }
}

}  // namespace

PreprocessParams preprocess_params_clip(int image_size) {
  check_image_size(image_size);
  PreprocessParams p;
  p.resize_size = image_size;
  p.crop_size = image_size;
  return p;
}

PreprocessParams preprocess_params_openood(int image_size) {
  check_image_size(image_size);
  PreprocessParams p;
  p.resize_size = static_cast<int>(std::lround(image_size * 8.0 / 7.0));  // 256 for 224
  p.crop_size = image_size;
  return p;
}

void preprocess_image(const ImageRGB8& image, const PreprocessParams& params, float* out_chw) {
  check_params(image, params);
  const auto [width, height] = resized_size(image.width, image.height, params.resize_size);
  const int crop = params.crop_size;
  const int left = crop_origin(width, crop);
  const int top = crop_origin(height, crop);
  // Only the part of the resized image inside the crop is computed (torchvision resizes it all,
  // which for an elongated image is far larger than the crop; the pixels are the same).
  const int x0 = std::max(left, 0), y0 = std::max(top, 0);
  const int x1 = std::min(left + crop, width), y1 = std::min(top + crop, height);
  const bool same = width == image.width && height == image.height;  // torchvision skips the resize
  ImageRGB8 window;
  if (!same) window = resize_bicubic_window(image, width, height, x0, y0, x1 - x0, y1 - y0);
  const ImageRGB8& src = same ? image : window;
  const int src_x0 = same ? 0 : x0, src_y0 = same ? 0 : y0;

  const size_t plane = static_cast<size_t>(crop) * crop;
  for (int c = 0; c < 3; ++c) {
    // ToTensor divides by 255 and Normalize subtracts then divides, all in float32.
    const float mean = params.mean[c];
    const float std = params.std[c];
    float* out = out_chw + c * plane;
    for (int y = 0; y < crop; ++y) {
      const int sy = top + y;
      for (int x = 0; x < crop; ++x) {
        const int sx = left + x;
        const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        const uint8_t v =
            inside ? src.data[(static_cast<size_t>(sy - src_y0) * src.width + (sx - src_x0)) * 3 + c] : 0;
        out[static_cast<size_t>(y) * crop + x] = (static_cast<float>(v) / 255.0f - mean) / std;
      }
    }
  }
}

}  // namespace ants
