// Row kernels (ops.h, with the AVX-512 versions where the CPU has them) against double-precision
// references, at widths that are and are not multiples of the vector length.
#include "clip/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/dtype.h"

namespace ants::clip {
namespace {

std::vector<float> random_values(size_t n, float scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

float bf16_value(uint16_t h) { return core::bf16_to_f32(h); }

TEST(Ops, SoftmaxMatchesExactRowsIncludingCausalMaskAndTails) {
  for (int cols : {1, 7, 16, 33, 197}) {
    for (bool causal : {false, true}) {
      const int mats = 3, rows = cols;
      const auto s = random_values(static_cast<size_t>(mats) * rows * cols, 4.f, cols + causal);
      std::vector<float> out(s.size(), -1.f);
      softmax_rows(s.data(), mats, rows, cols, causal, out.data(), DType::f32);
      std::vector<uint16_t> out16(s.size());
      softmax_rows(s.data(), mats, rows, cols, causal, out16.data(), DType::bf16);
      for (int m = 0; m < mats; ++m) {
        for (int r = 0; r < rows; ++r) {
          const int valid = causal ? r + 1 : cols;
          const float* sr = &s[(static_cast<size_t>(m) * rows + r) * cols];
          double mx = sr[0], sum = 0;
          for (int j = 1; j < valid; ++j) mx = std::max<double>(mx, sr[j]);
          for (int j = 0; j < valid; ++j) sum += std::exp(sr[j] - mx);
          for (int j = 0; j < cols; ++j) {
            const size_t i = (static_cast<size_t>(m) * rows + r) * cols + j;
            const double want = j < valid ? std::exp(sr[j] - mx) / sum : 0.0;
            ASSERT_NEAR(out[i], want, 2e-7 + 1e-6 * want) << "cols " << cols << " row " << r << " col " << j;
            ASSERT_NEAR(bf16_value(out16[i]), want, 4e-3 * want + 1e-30) << "bf16 cols " << cols;
          }
        }
      }
    }
  }
}

TEST(Ops, SoftmaxOfVeryNegativeScoresIsZeroNotNan) {
  const std::vector<float> s{0.f, -200.f, -1e30f, -90.f};
  std::vector<float> out(4);
  softmax_rows(s.data(), 1, 1, 4, false, out.data(), DType::f32);
  EXPECT_FLOAT_EQ(out[0], 1.f);
  EXPECT_EQ(out[1], 0.f);
  EXPECT_EQ(out[2], 0.f);
  EXPECT_LT(out[3], 1e-38f);
}

TEST(Ops, LayerNormMatchesExactRows) {
  for (int width : {5, 16, 24, 768}) {
    const int rows = 9;
    auto x = random_values(static_cast<size_t>(rows) * width, 3.f, width);
    for (float& v : x) v += 5.f;  // a large mean, as residual streams have
    const auto g = random_values(width, 1.f, 11), b = random_values(width, 1.f, 12);
    std::vector<float> y(x.size());
    std::vector<uint16_t> y16(x.size());
    layer_norm(x.data(), rows, width, g.data(), b.data(), 1e-5f, y.data(), DType::f32);
    layer_norm(x.data(), rows, width, g.data(), b.data(), 1e-5f, y16.data(), DType::bf16);
    for (int r = 0; r < rows; ++r) {
      const float* xr = &x[static_cast<size_t>(r) * width];
      double mean = 0, var = 0;
      for (int i = 0; i < width; ++i) mean += xr[i];
      mean /= width;
      for (int i = 0; i < width; ++i) var += (xr[i] - mean) * (xr[i] - mean);
      const double inv = 1.0 / std::sqrt(var / width + 1e-5);
      for (int i = 0; i < width; ++i) {
        const double want = (xr[i] - mean) * inv * g[i] + b[i];
        const size_t k = static_cast<size_t>(r) * width + i;
        ASSERT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "width " << width;
        ASSERT_NEAR(bf16_value(y16[k]), want, 4e-3 * std::abs(want) + 1e-6) << "bf16 width " << width;
      }
    }
  }
}

TEST(Ops, ConvertRoundsToNearestEvenLikeTheScalarRule) {
  auto x = random_values(1000 + 3, 10.f, 5);
  x[0] = 1.00390625f;  // exactly halfway between two bf16 values: rounds to even (1.0)
  std::vector<uint16_t> y(x.size());
  convert_f32(x.data(), static_cast<int64_t>(x.size()), y.data(), DType::bf16);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], core::f32_to_bf16(x[i])) << i;
  EXPECT_EQ(bf16_value(y[0]), 1.f);
}

}  // namespace
}  // namespace ants::clip
