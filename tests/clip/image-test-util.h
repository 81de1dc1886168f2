// Shared by the image tests: the goldens written by scripts/gen-image-goldens.py (PIL 9.4 +
// torchvision 0.14) and small comparison helpers.
#pragma once

#include <ants/image.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test-util.h"

namespace ants::test {

inline std::filesystem::path image_data_dir() { return std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/images"; }

inline const nlohmann::json& image_goldens() {
  static const nlohmann::json j = read_json(image_data_dir() / "goldens.json");
  return j;
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// gray2.png with its IHDR width and height replaced (and the chunk CRC fixed).
inline std::vector<uint8_t> png_with_size(uint32_t width, uint32_t height) {
  auto bytes = read_bytes(image_data_dir() / "gray2.png");
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  };
  put32(16, width);
  put32(20, height);
  put32(29, crc32(&bytes[12], 17));  // "IHDR" + 13 data bytes
  return bytes;
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Number of bytes that differ; also reports the first difference.
inline size_t count_byte_diffs(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, const std::string& what) {
  if (got.size() != want.size()) {
    ADD_FAILURE() << what << ": size " << got.size() << " != " << want.size();
    return std::max(got.size(), want.size());
  }
  size_t diffs = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i] && diffs++ == 0) {
      ADD_FAILURE() << what << ": first difference at byte " << i << ": " << int(got[i]) << " != " << int(want[i]);
    }
  }
  return diffs;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

inline std::vector<float> preprocess(const ImageRGB8& img, const PreprocessParams& p) {
  std::vector<float> out(3 * static_cast<size_t>(p.crop_size) * p.crop_size);
  preprocess_image(img, p, out.data());
  return out;
}

}  // namespace ants::test
