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

#include "clip/image-resize.h"
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

// Pillow's precompute_coeffs for the box [0, in_size), which Pillow passes as floats, for the
// outputs [out_first, out_first + out_count) of `out_size` only: each output's weights depend on
// its index alone, so a window of them is what Pillow computes for those indices.
Coefficients precompute_coeffs(int in_size, int out_size, int out_first, int out_count) {
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kBicubicSupport * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_count);
  c.count.resize(out_count);
  c.weights.assign(static_cast<size_t>(out_count) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int i = 0; i < out_count; ++i) {
    const int xx = out_first + i;
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
      c.weights[static_cast<size_t>(i) * c.ksize + x] = to_fixed(ww != 0.0 ? k[x] / ww : k[x]);
    }
    c.first[i] = xmin;
    c.count[i] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t sum) {
  const int32_t v = sum >> kPrecisionBits;  // arithmetic shift, as in Pillow
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Big enough that OpenMP's fork/join is worth it. (maybe_unused: builds without OpenMP, such as
// the clang fuzz build, ignore the pragmas that read it.)
[[maybe_unused]] constexpr int64_t kParallelWork = 1 << 16;

// Resamples rows [row0, row0 + out.height) of `in` horizontally into `out`.
void resample_horizontal(const ImageRGB8& in, int row0, const Coefficients& c, ImageRGB8& out) {
  [[maybe_unused]] const int64_t work = int64_t{out.width} * out.height * c.ksize;
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
  [[maybe_unused]] const int64_t work = int64_t{out.width} * out.height * c.ksize;
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

// Columns [x, x + width) of rows [row0, row0 + out.height) of `in`, when no horizontal pass is needed.
void copy_columns(const ImageRGB8& in, int row0, int x, ImageRGB8& out) {
  const size_t row_len = static_cast<size_t>(out.width) * 3;
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = in.data.data() + (static_cast<size_t>(row0 + y) * in.width + x) * 3;
    std::copy(src, src + row_len, out.data.data() + static_cast<size_t>(y) * row_len);
  }
}

void check_resize(const ImageRGB8& image, int width, int height, int x, int y, int w, int h) {
  if (image.width <= 0 || image.height <= 0 ||
      image.data.size() != static_cast<size_t>(image.width) * image.height * 3) {
    core::fail(ErrorCode::invalid_argument, "resize_bicubic", "input image is empty or its data size is wrong");
  }
  if (width <= 0 || height <= 0 || x < 0 || y < 0 || w <= 0 || h <= 0 || x > width - w || y > height - h ||
      static_cast<uint64_t>(w) * h > (uint64_t{1} << 28)) {
    core::fail(ErrorCode::invalid_argument, "resize_bicubic",
               "invalid output window " + std::to_string(w) + "x" + std::to_string(h) + " at " + std::to_string(x) +
                   "," + std::to_string(y) + " of " + std::to_string(width) + "x" + std::to_string(height));
  }
}

}  // namespace

ImageRGB8 resize_bicubic(const ImageRGB8& image, int width, int height) {
  return resize_bicubic_window(image, width, height, 0, 0, width, height);
}

ImageRGB8 resize_bicubic_window(const ImageRGB8& image, int width, int height, int x, int y, int w, int h) {
  check_resize(image, width, height, x, y, w, h);
  const bool need_horizontal = width != image.width;
  const bool need_vertical = height != image.height;
  // Pillow resamples horizontally only the rows the vertical pass will read.
  Coefficients vert;
  int row_first = y, row_last = y + h;
  if (need_vertical) {
    vert = precompute_coeffs(image.height, height, y, h);
    row_first = vert.first.front();
    row_last = vert.first.back() + vert.count.back();
  }
  ImageRGB8 temp = blank(w, row_last - row_first);
  if (need_horizontal) {
    resample_horizontal(image, row_first, precompute_coeffs(image.width, width, x, w), temp);
  } else {
    copy_columns(image, row_first, x, temp);
  }
  if (!need_vertical) return temp;
  ImageRGB8 out = blank(w, h);
  resample_vertical(temp, row_first, vert, out);
  return out;
}

}  // namespace ants
