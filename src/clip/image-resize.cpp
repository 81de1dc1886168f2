// Antialiased bicubic resize, a port of Pillow's src/libImaging/Resample.c (8 bits per channel).
// Every step — the double-precision filter weights, their conversion to 22-bit fixed point, the
// integer sums and the clipping — follows Pillow's arithmetic exactly, because CLIP models are
// trained on images resized by Pillow and the results must be byte-identical.
#include <ants/image.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace ants {

namespace {

// Pillow: 8 bits for the result, 2 for overflow of filters with negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;

// Pillow's bicubic_filter, a = -0.5; written in the same operation order so it rounds the same.
double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// For each output index: the first input index, the number of taps and `ksize` fixed-point
// weights (zero beyond the taps).
struct Coefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

// Pillow's normalize_coeffs_8bpc: round half away from zero.
int32_t to_fixed(double w) {
  const double scaled = w * (1 << kPrecisionBits);
  return static_cast<int32_t>(w < 0 ? -0.5 + scaled : 0.5 + scaled);
}

// Pillow's precompute_coeffs for the box [0, in_size), which Pillow passes as floats.
Coefficients precompute_coeffs(int in_size, int out_size) {
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kBicubicSupport * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = 0.0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = bicubic_filter((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      c.weights[static_cast<size_t>(xx) * c.ksize + x] = to_fixed(ww != 0.0 ? k[x] / ww : k[x]);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t sum) {
  const int32_t v = sum >> kPrecisionBits;  // arithmetic shift, as in Pillow
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Big enough that OpenMP's fork/join is worth it.
constexpr int64_t kParallelWork = 1 << 16;

// Resamples rows [row0, row0 + out.height) of `in` horizontally into `out`.
void resample_horizontal(const ImageRGB8& in, int row0, const Coefficients& c, ImageRGB8& out) {
  const int64_t work = int64_t{out.width} * out.height * c.ksize;
#pragma omp parallel for schedule(static) if (work > kParallelWork)
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = in.data.data() + static_cast<size_t>(row0 + y) * in.width * 3;
    uint8_t* dst = out.data.data() + static_cast<size_t>(y) * out.width * 3;
    for (int xx = 0; xx < out.width; ++xx) {
      const int32_t* k = c.weights.data() + static_cast<size_t>(xx) * c.ksize;
      const uint8_t* s = src + static_cast<size_t>(c.first[xx]) * 3;
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < c.count[xx]; ++x, s += 3) {
        s0 += s[0] * k[x];
        s1 += s[1] * k[x];
        s2 += s[2] * k[x];
      }
      dst[3 * xx] = clip8(s0);
      dst[3 * xx + 1] = clip8(s1);
      dst[3 * xx + 2] = clip8(s2);
    }
  }
}

// Resamples `in` vertically into `out`; tap rows are `c.first[y] - row0 ...`. Integer sums do
// not depend on the order of the terms, so a row-at-a-time accumulation gives Pillow's result.
void resample_vertical(const ImageRGB8& in, int row0, const Coefficients& c, ImageRGB8& out) {
  const size_t row_len = static_cast<size_t>(out.width) * 3;
  const int64_t work = int64_t{out.width} * out.height * c.ksize;
#pragma omp parallel for schedule(static) if (work > kParallelWork)
  for (int yy = 0; yy < out.height; ++yy) {
    std::vector<int32_t> acc(row_len, 1 << (kPrecisionBits - 1));
    const int32_t* k = c.weights.data() + static_cast<size_t>(yy) * c.ksize;
    for (int y = 0; y < c.count[yy]; ++y) {
      const uint8_t* src = in.data.data() + static_cast<size_t>(c.first[yy] - row0 + y) * row_len;
      const int32_t w = k[y];
      for (size_t i = 0; i < row_len; ++i) acc[i] += src[i] * w;
    }
    uint8_t* dst = out.data.data() + static_cast<size_t>(yy) * row_len;
    for (size_t i = 0; i < row_len; ++i) dst[i] = clip8(acc[i]);
  }
}

ImageRGB8 blank(int width, int height) {
  ImageRGB8 img;
  img.width = width;
  img.height = height;
  img.data.resize(static_cast<size_t>(width) * height * 3);
  return img;
}

}  // namespace

ImageRGB8 resize_bicubic(const ImageRGB8& image, int width, int height) {
  if (image.width <= 0 || image.height <= 0 ||
      image.data.size() != static_cast<size_t>(image.width) * image.height * 3) {
    core::fail(ErrorCode::invalid_argument, "resize_bicubic", "input image is empty or its data size is wrong");
  }
  if (width <= 0 || height <= 0 || static_cast<uint64_t>(width) * height > (uint64_t{1} << 28)) {
    core::fail(ErrorCode::invalid_argument, "resize_bicubic",
               "invalid output size " + std::to_string(width) + "x" + std::to_string(height));
  }
  const Coefficients horiz = precompute_coeffs(image.width, width);
  const Coefficients vert = precompute_coeffs(image.height, height);
  // Pillow resamples horizontally only the rows the vertical pass will read.
  const int row_first = vert.first.front();
  const int row_last = vert.first.back() + vert.count.back();
  const bool need_horizontal = width != image.width;
  const bool need_vertical = height != image.height;
  if (!need_horizontal && !need_vertical) return image;
  ImageRGB8 temp;
  if (need_horizontal) {
    temp = blank(width, need_vertical ? row_last - row_first : image.height);
    resample_horizontal(image, need_vertical ? row_first : 0, horiz, temp);
    if (!need_vertical) return temp;
  }
  const ImageRGB8& source = need_horizontal ? temp : image;
  ImageRGB8 out = blank(width, height);
  resample_vertical(source, need_horizontal ? row_first : 0, vert, out);
  return out;
}

}  // namespace ants
