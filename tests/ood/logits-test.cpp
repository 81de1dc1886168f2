// The logits of an image must not depend on the other images of its batch: a broken image, a
// shard or a resumed stream changes batches, never scores.
#include "ood/logits.h"

#include <gtest/gtest.h>

#include <random>

#include "core/cpu.h"

namespace ants::ood {
namespace {

FeatureMatrix random_rows(size_t rows, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  FeatureMatrix m{rows, dim, std::vector<float>(rows * static_cast<size_t>(dim))};
  for (auto& x : m.data) x = normal(rng);
  return m;
}

FeatureMatrix slice(const FeatureMatrix& m, size_t first, size_t count) {
  FeatureMatrix s{count, m.dim, {}};
  s.data.assign(m.data.begin() + static_cast<std::ptrdiff_t>(first * static_cast<size_t>(m.dim)),
                m.data.begin() + static_cast<std::ptrdiff_t>((first + count) * static_cast<size_t>(m.dim)));
  return s;
}

TEST(Logits, AnImagesRowDoesNotDependOnItsBatch) {
  // With AVX-512 one GEMM per batch is used as it is (its rows have been batch-invariant in every
  // test); without it, ants blocks the rows itself, which this pins.
  if (core::cpu_has_avx512()) GTEST_SKIP() << "AVX-512: oneDNN's own GEMM";
  const FeatureMatrix images = random_rows(70, 96, 1), texts = random_rows(1500, 96, 2);
  std::vector<float> all, part;
  compute_logits(images, texts, 100.f, all);
  for (const auto& [first, count] : std::vector<std::pair<size_t, size_t>>{{0, 1}, {3, 7}, {5, 16}, {17, 33}, {1, 69}}) {
    compute_logits(slice(images, first, count), texts, 100.f, part);
    for (size_t i = 0; i < count * texts.rows; ++i)
      ASSERT_EQ(part[i], all[first * texts.rows + i]) << "rows " << first << "+" << count << ", value " << i;
  }
}

}  // namespace
}  // namespace ants::ood
