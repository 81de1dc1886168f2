#include "ood/activation-aware.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ants::ood {
namespace {

TEST(ActivationAware, CumulativeScore) {  // method.md §8.7
  const std::vector<float> id = {2, 1}, neg = {0.5f, -0.5f, 0.25f};
  EXPECT_NEAR(cumulative_id_mass(id.data(), 2, neg.data(), 3, 2), 0.7791112, 1e-7);
  EXPECT_NEAR(cumulative_id_mass(id.data(), 2, neg.data(), 3, 1), 0.8059927, 1e-7);
}

TEST(ActivationAware, OtsuThreshold) {  // method.md §8.7
  EXPECT_EQ(activation_threshold({0.1f, 0.12f, 0.15f, 0.8f, 0.85f, 0.9f}), 0.16f);
  EXPECT_EQ(activation_threshold({0.4f, 0.4f, 0.4f}), 0.4f);  // no split has two sides: the median
}

TEST(ActivationAware, RescoreRanksRowsThatFireOnLowImages) {
  // Two images, one ID-like (far 0.9) and one OOD-like (far 0.1); bank row 1 fires on the OOD one.
  const std::vector<float> id = {5, 0, 0, 0}, bank = {0, 0, 0, 6}, far = {0.9f, 0.1f};
  std::vector<float> out;
  ASSERT_TRUE(activation_rescore(id, 2, bank, 2, far, {0.5f, 0.5f, 1, 1}, out));
  // Only row 1 is kept: image 1 = e^0·2 / (e^0·2 + e^6), image 0 = (e^5 + 1) / (e^5 + 1 + 1).
  EXPECT_NEAR(out[1], 2 / (2 + std::exp(6.0)), 1e-6);
  EXPECT_NEAR(out[0], (std::exp(5.0) + 1) / (std::exp(5.0) + 2), 1e-6);
  EXPECT_FALSE(activation_rescore(id, 2, bank, 2, {0.9f, 0.9f}, {0.5f, 0.5f, 1, 1}, out));
}

}  // namespace
}  // namespace ants::ood
