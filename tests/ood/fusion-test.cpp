#include "ood/fusion.h"

#include <gtest/gtest.h>

namespace ants::ood {
namespace {

TEST(Fusion, LambdaVectorAndDegenerateCase) {  // method.md §8.4
  const double lambda = fusion_weight((0.95 + 0.85) / 2, (0.5 + 0.7) / 2);
  EXPECT_NEAR(lambda, 0.2, 1e-12);
  EXPECT_NEAR(lambda * 0.8 + (1 - lambda) * 0.6, 0.64, 1e-12);
  EXPECT_NEAR(lambda * 0.3 + (1 - lambda) * 0.5, 0.46, 1e-12);
  EXPECT_EQ(fusion_weight(1.0, 1.0), 0.5);
  EXPECT_EQ(fusion_weight((0.95 + 0.85) / 2, (0.5 + 0.7) / 2, LambdaRule::paper), lambda);  // the same fractional F
}

// ants' own Table 9 weights (docs/method.md §4.9) on the §8.4 means (a = 0.1, b = 0.4), values
// computed with Python's math module.
TEST(Fusion, LogAndExpWeightsOfTheSameStatistics) {
  EXPECT_NEAR(fusion_weight(0.9, 0.6, LambdaRule::log), 0.22073659366062087, 1e-12);
  EXPECT_NEAR(fusion_weight(0.9, 0.6, LambdaRule::exp), 0.425557483188341, 1e-12);
  EXPECT_EQ(fusion_weight(1.0, 1.0, LambdaRule::log), 0.5);
  EXPECT_EQ(fusion_weight(0.7, 0.7, LambdaRule::exp), 0.5);
  // Same direction as the fractional rule: lower far scores (more OOD found by ENS) → larger λ.
  for (LambdaRule r : {LambdaRule::log, LambdaRule::exp})
    EXPECT_GT(fusion_weight(0.2, 0.6, r), fusion_weight(0.5, 0.6, r));
}

}  // namespace
}  // namespace ants::ood
