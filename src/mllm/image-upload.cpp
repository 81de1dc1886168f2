#include "mllm/image-upload.h"

#include <algorithm>
#include <cmath>

namespace ants::mllm {

std::string base64_encode(std::span<const uint8_t> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

ImageRGB8 fit_longer_side(const ImageRGB8& image, int max_side) {
  const int longer = std::max(image.width, image.height);
  if (max_side <= 0 || longer <= max_side) return image;
  const double scale = static_cast<double>(max_side) / longer;
  const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  return resize_bicubic(image, std::min(w, max_side), std::min(h, max_side));
}

std::string image_data_url(const ImageRGB8& image, int max_side, int quality) {
  const std::vector<uint8_t> jpeg = encode_jpeg(fit_longer_side(image, max_side), quality);
  return "data:image/jpeg;base64," + base64_encode(jpeg);
}

std::string image_data_url(const ImageRef& image, int max_side, int quality) {
  const std::string bytes = image.read();
  return image_data_url(decode_image_memory({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, image.name),
                        max_side, quality);
}

const std::string& placeholder_data_url() {
  static const std::string url = [] {
    ImageRGB8 black{28, 28, std::vector<uint8_t>(28 * 28 * 3, 0)};
    return image_data_url(black, 28, 90);
  }();
  return url;
}

}  // namespace ants::mllm
