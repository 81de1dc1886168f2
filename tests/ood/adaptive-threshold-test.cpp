#include "ood/adaptive-threshold.h"

#include <gtest/gtest.h>


namespace ants::ood {
namespace {

const std::vector<float> kA1 = {0.05f, 0.12f, 0.15f, 0.18f, 0.22f, 0.25f, 0.31f, 0.35f, 0.41f, 0.47f,
                                0.55f, 0.62f, 0.91f, 0.92f, 0.93f, 0.95f, 0.96f, 0.97f, 0.98f, 0.99f};

TEST(AdaptiveThreshold, A1HistogramJumpThenMedian) {  // method.md §8.3
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

}  // namespace
}  // namespace ants::ood
