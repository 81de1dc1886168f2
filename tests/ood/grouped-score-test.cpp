#include "ood/grouped-score.h"

#include <ants/detector.h>
#include <gtest/gtest.h>

#include <cmath>

namespace ants::ood {
namespace {

// One image's logit row [ID (n_id) | negatives], scored like BankScore with group size g.
double bank_score(const std::vector<float>& row, size_t n_id, size_t g, bool permute = true) {
  const size_t k = row.size() - n_id;
  std::vector<double> exps;
  const double a = shifted_exponentials(row.data(), n_id, row.data() + n_id, k, exps);
  return grouped_id_mass(a, exps.data(), k, make_grouping(k, g, permute));
}

// Forces the grouped path even where K ≤ g would make BankScore plain (method.md §8.2 G1 g=3).
double grouped_score(const std::vector<float>& row, size_t n_id, size_t g) {
  const size_t k = row.size() - n_id;
  std::vector<double> exps;
  const double a = shifted_exponentials(row.data(), n_id, row.data() + n_id, k, exps);
  Grouping grouping = make_grouping(k, g, true);
  if (grouping.plain) grouping.groups = 1, grouping.length = k, grouping.plain = false, grouping.perm = nullptr;
  return grouped_id_mass(a, exps.data(), k, grouping);
}

const std::vector<float> kG1a = {3, 1, 0.5, -0.5, 0, 1}, kG1b = {0, 2, 1, 0.5, -1, 0};

TEST(GroupedScore, G1GroupsOfTwo) {
  EXPECT_NEAR(bank_score(kG1a, 2, 2), 0.8849035, 1e-7);
  EXPECT_NEAR(bank_score(kG1b, 2, 2), 0.7587285, 1e-7);
}

TEST(GroupedScore, G1PlainAndSingleGroup) {
  EXPECT_NEAR(bank_score(kG1a, 2, 100), 0.7924224, 1e-7);
  EXPECT_NEAR(bank_score(kG1b, 2, 100), 0.5939601, 1e-7);
  EXPECT_NEAR(grouped_score(kG1a, 2, 3), 0.7924224, 1e-7);  // G = 1 → same as plain
  EXPECT_NEAR(bank_score(kG1a, 2, 1), 0.9395372, 1e-7);
  EXPECT_NEAR(bank_score(kG1b, 2, 1), 0.8606257, 1e-7);
}

TEST(GroupedScore, G2TrailingColumnDroppedBeforePermuting) {
  std::vector<float> a = kG1a, b = kG1b;
  a.push_back(2.0f);
  b.push_back(3.0f);
  EXPECT_NEAR(bank_score(a, 2, 2), 0.8849035, 1e-7);
  EXPECT_NEAR(bank_score(b, 2, 2), 0.7587285, 1e-7);
}

TEST(GroupedScore, G3PermutationMatters) {
  const std::vector<float> a = {2, 1, 3, 0, -1, 1, 2, -2}, b = {1, 0.5, 0, 1.5, 2.5, -0.5, 0.5, 1};
  EXPECT_NEAR(bank_score(a, 2, 2), 0.6020443, 1e-7);
  EXPECT_NEAR(bank_score(b, 2, 2), 0.4579047, 1e-7);
  EXPECT_NEAR(bank_score(a, 2, 2, false), 0.5544530, 1e-7);
  EXPECT_NEAR(bank_score(b, 2, 2, false), 0.3993186, 1e-7);
  EXPECT_NEAR(bank_score(a, 2, 100), 0.2417825, 1e-7);
  EXPECT_NEAR(bank_score(b, 2, 100), 0.1617126, 1e-7);
}

TEST(GroupedScore, LargeLogitsDoNotOverflow) {
  EXPECT_NEAR(bank_score({1000, 999, 998, 1000}, 2, 100), (std::exp(2.0) + std::exp(1.0)) / (std::exp(2.0) + std::exp(1.0) + 1 + std::exp(2.0)), 1e-12);
}

TEST(GroupedScore, BalancedNearWithTiling) {  // method.md §8.2 NB: ×10 tiling, g = N = 2
  const std::vector<float> id = {2, 1}, near = {1.5, 0.5};
  std::vector<double> exps;
  const double a = shifted_exponentials(id.data(), 2, near.data(), 2, exps);
  EXPECT_NEAR(grouped_id_mass(a, exps.data(), 2, make_grouping(20, 2, true)), 0.6302761, 1e-7);
  EXPECT_NEAR(grouped_id_mass(a, exps.data(), 2, make_grouping(2, 100, true)), 0.6224593, 1e-7);
  EXPECT_NEAR(grouped_id_mass(a, exps.data(), 2, make_grouping(20, 100, true)), 0.1415367, 1e-7);
}

TEST(GroupedScore, P1OneRowBankIsPlainViaPublicApi) {  // method.md §8.2 P1
  FeatureMatrix images{1, 2, {1, 0}}, id{2, 2, {1, 0, 0, 1}}, bank{1, 2, {0.6f, 0.8f}};
  EXPECT_NEAR(neglabel_scores(images, id, bank, 10.f, 100)[0], 0.9820146, 1e-6);
}

TEST(GroupedScore, McmIsTheTopSoftmaxProbability) {
  FeatureMatrix images{2, 2, {1, 0, 0.6f, 0.8f}}, id{2, 2, {1, 0, 0, 1}};
  const auto s = mcm_scores(images, id, 10.f);
  EXPECT_NEAR(s[0], 1 / (1 + std::exp(-10.0)), 1e-6);
  EXPECT_NEAR(s[1], 1 / (1 + std::exp(-2.0)), 1e-6);
}

TEST(GroupedScore, MismatchedWidthsAreAnError) {
  FeatureMatrix images{1, 3, {1, 0, 0}}, id{2, 2, {1, 0, 0, 1}};
  EXPECT_THROW(mcm_scores(images, id, 10.f), Error);
}

}  // namespace
}  // namespace ants::ood
