#include "ood/adaptive-threshold.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ood/activation-aware.h"
#include "ood/fusion.h"

namespace ants::ood {
namespace {

const std::vector<float> kA1 = {0.05f, 0.12f, 0.15f, 0.18f, 0.22f, 0.25f, 0.31f, 0.35f, 0.41f, 0.47f,
                                0.55f, 0.62f, 0.91f, 0.92f, 0.93f, 0.95f, 0.96f, 0.97f, 0.98f, 0.99f};

TEST(AdaptiveThreshold, A1HistogramJumpThenMedian) {  // spec §8.3
  const ThresholdResult r = adaptive_threshold(kA1, 0.5);
  EXPECT_EQ(r.counts, (std::array<int, 10>{1, 3, 2, 2, 2, 1, 1, 0, 0, 8}));
  EXPECT_DOUBLE_EQ(r.upper, 0.9);
  EXPECT_EQ(r.gamma, 0.28f);
  EXPECT_NEAR(adaptive_threshold(kA1, 0.25).gamma, 0.1725, 1e-7);
}

TEST(AdaptiveThreshold, A2JumpAtTheFirstBin) {
  const std::vector<float> a2 = {0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.09f,
                                 0.15f, 0.25f, 0.45f, 0.85f, 0.88f, 0.9f, 0.95f};
  const ThresholdResult r = adaptive_threshold(a2, 0.5);
  EXPECT_EQ(r.counts, (std::array<int, 10>{8, 1, 1, 0, 1, 0, 0, 0, 3, 1}));
  EXPECT_DOUBLE_EQ(r.upper, 0.1);
  EXPECT_NEAR(r.gamma, 0.055, 1e-7);
}

TEST(AdaptiveThreshold, FloatValuesAgainstDoubleEdges) {
  // 0.3f = 0.3000000119 lies above the edge 0.30000000000000004 (bin 3); 0.7f = 0.6999999881
  // below 0.7000000000000001 (bin 6); 1.0 is in the closed last bin; values outside [0, 1] are ignored.
  const ThresholdResult r = adaptive_threshold({0.3f, 1.0f, 0.7f, 1.5f, -0.1f}, 0.5);
  EXPECT_EQ(r.counts, (std::array<int, 10>{0, 0, 0, 1, 0, 0, 1, 0, 0, 1}));
}

TEST(AdaptiveThreshold, NothingBelowTheEdgeUsesEverything) {
  const ThresholdResult r = adaptive_threshold({0.95f, 0.95f, 0.95f}, 0.5);
  EXPECT_DOUBLE_EQ(r.upper, 0.9);  // the only jump is bin 8 → 9, and nothing lies below 0.9
  EXPECT_FLOAT_EQ(r.gamma, 0.95f);
}

TEST(AdaptiveThreshold, PaperRuleTakesTheLargestOfTheLowestFraction) {
  // Below γ0 = 0.8: 0.1, 0.2, 0.3, 0.5 → lowest half {0.1, 0.2} → γ* = 0.2.
  EXPECT_FLOAT_EQ(paper_threshold({0.9f, 0.3f, 0.1f, 0.95f, 0.5f, 0.2f}, 0.5, 0.8f), 0.2f);
  EXPECT_FLOAT_EQ(paper_threshold({0.9f, 0.95f}, 0.5, 0.8f), 0.8f);
}

TEST(Fusion, LambdaVectorAndDegenerateCase) {  // spec §8.4
  const double lambda = fusion_weight((0.95 + 0.85) / 2, (0.5 + 0.7) / 2);
  EXPECT_NEAR(lambda, 0.2, 1e-12);
  EXPECT_NEAR(lambda * 0.8 + (1 - lambda) * 0.6, 0.64, 1e-12);
  EXPECT_NEAR(lambda * 0.3 + (1 - lambda) * 0.5, 0.46, 1e-12);
  EXPECT_EQ(fusion_weight(1.0, 1.0), 0.5);
}

TEST(ActivationAware, CumulativeScore) {  // spec §8.7
  const std::vector<float> id = {2, 1}, neg = {0.5f, -0.5f, 0.25f};
  EXPECT_NEAR(cumulative_id_mass(id.data(), 2, neg.data(), 3, 2), 0.7791112, 1e-7);
  EXPECT_NEAR(cumulative_id_mass(id.data(), 2, neg.data(), 3, 1), 0.8059927, 1e-7);
}

TEST(ActivationAware, OtsuThreshold) {  // spec §8.7
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
