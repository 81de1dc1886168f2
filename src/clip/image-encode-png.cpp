// Lossless PNG encoding with libpng's simplified API (pixels handed to an MLLM or kept as bytes).
#include <ants/image.h>

#include <png.h>

#include <string>

#include "core/error.h"

namespace ants {

std::string encode_png(const ImageRGB8& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.data.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
    core::fail(ErrorCode::invalid_argument, "encode_png", "pixel data does not match the image size");
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  // First call sizes the buffer, second fills it (libpng's documented two-step use).
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.data.data(), 0, nullptr)) {
    core::fail(ErrorCode::io, "encode_png", png.message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, image.data.data(), 0, nullptr)) {
    core::fail(ErrorCode::io, "encode_png", png.message);
  }
  out.resize(size);
  return out;
}

}  // namespace ants
