// The stateless scores of the public API: zero-shot prediction, MCM and NegLabel's options.
#include <ants/detector.h>
#include <gtest/gtest.h>

namespace ants {
namespace {

// Basis rows e_first .. e_(first+n-1) of width `dim`: logits then equal the image's coordinates.
FeatureMatrix basis(size_t first, size_t n, int dim) {
  FeatureMatrix m{n, dim, std::vector<float>(n * static_cast<size_t>(dim), 0.f)};
  for (size_t i = 0; i < n; ++i) m.row(i)[first + i] = 1.f;
  return m;
}

TEST(Scores, NegLabelHonoursTheGroupSizeAndThePermutationSwitch) {  // method.md §8.2 G3
  const FeatureMatrix image{1, 8, {2, 1, 3, 0, -1, 1, 2, -2}};
  const FeatureMatrix id = basis(0, 2, 8), negatives = basis(2, 6, 8);
  EXPECT_NEAR(neglabel_scores(image, id, negatives, 1.f, 2)[0], 0.6020443, 1e-6);
  EXPECT_NEAR(neglabel_scores(image, id, negatives, 1.f, 2, nullptr, false)[0], 0.5544530, 1e-6);
  EXPECT_NEAR(neglabel_scores(image, id, negatives, 1.f, 100)[0], 0.2417825, 1e-6);
}

TEST(Scores, ZeroShotPredictsTheTopClassWithItsMcmProbability) {
  const FeatureMatrix images{2, 3, {0.1f, 0.9f, 0.2f, 0.7f, 0.1f, 0.3f}}, id = basis(0, 3, 3);
  const ZeroShot z = zero_shot(images, id, 10.f);
  EXPECT_EQ(z.pred, (std::vector<int>{1, 0}));
  EXPECT_EQ(z.prob, mcm_scores(images, id, 10.f));
  std::vector<int> preds;
  neglabel_scores(images, id, basis(0, 1, 3), 10.f, 100, &preds);
  EXPECT_EQ(preds, z.pred);
}

}  // namespace
}  // namespace ants
