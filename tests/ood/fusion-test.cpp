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
}

}  // namespace
}  // namespace ants::ood
