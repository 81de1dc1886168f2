#include "ood/neglabel-select.h"

#include <ants/error.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ood/quantile-similarity.h"

namespace ants::ood {
namespace {

TEST(QuantileIndex, FloorOfQuantileTimesN) {
  EXPECT_EQ(quantile_index(1000, 0.95), 950u);  // the 50th-largest of 1000
  EXPECT_EQ(quantile_index(20, 0.95), 19u);
  EXPECT_EQ(quantile_index(10, 0.95), 9u);
  EXPECT_EQ(quantile_index(7, 0.95), 6u);      // floor(6.65)
  EXPECT_EQ(quantile_index(1, 0.95), 0u);
  EXPECT_EQ(quantile_index(100, 0.0), 0u);
  EXPECT_EQ(quantile_index(100, 1.0), 99u);    // clamped to the last element
  EXPECT_THROW(quantile_index(10, 1.5), Error);
  EXPECT_THROW(quantile_index(10, -0.1), Error);
  EXPECT_THROW(quantile_index(10, std::nan("")), Error);
  EXPECT_THROW(quantile_index(0, 0.95), Error);
}

TEST(QuantileSimilarity, HandComputedCase) {
  // Four unit ID vectors on the axes of the plane; candidates at known angles.
  const std::vector<float> ids = {1, 0, 0, 1, -1, 0, 0, -1};
  const std::vector<float> cand = {0.6f, 0.8f,   // sims  0.6  0.8 -0.6 -0.8
                                   1, 0,         // sims  1    0   -1    0
                                   -0.8f, 0.6f}; // sims -0.8  0.6  0.8 -0.6
  // N = 4: quantile 0.95 -> index 3 (the largest), 0.5 -> index 2, 0.25 -> index 1.
  EXPECT_EQ(quantile_similarities(cand.data(), 3, ids.data(), 4, 2, 0.95), (std::vector<float>{0.8f, 1, 0.8f}));
  EXPECT_EQ(quantile_similarities(cand.data(), 3, ids.data(), 4, 2, 0.5), (std::vector<float>{0.6f, 0, 0.6f}));
  EXPECT_EQ(quantile_similarities(cand.data(), 3, ids.data(), 4, 2, 0.25), (std::vector<float>{-0.6f, 0, -0.6f}));
}

TEST(QuantileSimilarity, MatchesFullSortAcrossBlocks) {
  // More candidates than one GEMM block, compared with a plain dot product + full sort.
  const int dim = 24;
  const size_t n_ids = 37, n_cand = 9000;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  auto random_rows = [&](size_t n) {
    std::vector<float> m(n * dim);
    for (auto& v : m) v = normal(rng);
    return m;
  };
  const auto ids = random_rows(n_ids), cand = random_rows(n_cand);
  const size_t k = quantile_index(n_ids, 0.95);
  const auto q = quantile_similarities(cand.data(), n_cand, ids.data(), n_ids, dim, 0.95, 2);
  ASSERT_EQ(q.size(), n_cand);
  for (size_t c = 0; c < n_cand; ++c) {
    std::vector<double> sims(n_ids);
    for (size_t i = 0; i < n_ids; ++i) {
      double s = 0;
      for (int d = 0; d < dim; ++d) s += static_cast<double>(cand[c * dim + d]) * ids[i * dim + d];
      sims[i] = s;
    }
    std::sort(sims.begin(), sims.end());
    ASSERT_NEAR(q[c], sims[k], 1e-4) << "candidate " << c;
  }
}

TEST(NegLabelQuotas, FloorOfTheAdjectiveShare) {
  const auto q = neglabel_quotas(10000, 11453, 58101);  // the spec's ImageNet numbers
  EXPECT_EQ(q.adjectives, 1646u);
  EXPECT_EQ(q.nouns, 8354u);
  const auto commented = neglabel_quotas(10000, 13101, 58723);  // the reference's code comment
  EXPECT_EQ(commented.adjectives, 1824u);
  EXPECT_EQ(commented.nouns, 8176u);
  EXPECT_EQ(neglabel_quotas(10, 3, 7).adjectives, 3u);
  EXPECT_EQ(neglabel_quotas(5, 3, 7).adjectives, 1u);  // floor(1.5)
  EXPECT_EQ(neglabel_quotas(5, 3, 7).nouns, 4u);
  EXPECT_EQ(neglabel_quotas(3, 0, 5).adjectives, 0u);
  EXPECT_EQ(neglabel_quotas(3, 5, 0).adjectives, 3u);
  EXPECT_THROW(neglabel_quotas(0, 3, 7), Error);
  EXPECT_THROW(neglabel_quotas(11, 3, 7), Error);
}

TEST(SmallestIndices, AscendingWithTiesInIndexOrder) {
  const std::vector<float> v = {0.5f, 0.1f, 0.5f, 0.1f, 0.3f, std::nanf(""), -1.f};
  EXPECT_EQ(smallest_indices(v, 0), std::vector<size_t>{});
  EXPECT_EQ(smallest_indices(v, 3), (std::vector<size_t>{6, 1, 3}));
  EXPECT_EQ(smallest_indices(v, 5), (std::vector<size_t>{6, 1, 3, 4, 0}));
  EXPECT_EQ(smallest_indices(v, 7), (std::vector<size_t>{6, 1, 3, 4, 0, 2, 5}));  // NaN last
  EXPECT_THROW(smallest_indices(v, 8), Error);
}

TEST(SelectNegLabel, QuotaPerPartOfSpeechInBankOrder) {
  // 4 adjectives, 6 nouns, M = 5: M_adj = floor(5·4/10) = 2, M_noun = 3.
  const std::vector<float> q_adj = {0.9f, 0.2f, 0.4f, 0.2f};
  const std::vector<float> q_noun = {0.05f, 0.7f, 0.6f, 0.01f, 0.3f, 0.6f};
  const NegLabelSelection s = select_neglabel(q_adj, q_noun, 5);
  EXPECT_EQ(s.adjectives, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(s.nouns, (std::vector<size_t>{3, 0, 4}));
  // A noun with a smaller q than a kept adjective does not take the adjective's place.
  const NegLabelSelection all = select_neglabel(q_adj, q_noun, 10);
  EXPECT_EQ(all.adjectives, (std::vector<size_t>{1, 3, 2, 0}));
  EXPECT_EQ(all.nouns, (std::vector<size_t>{3, 0, 4, 2, 5, 1}));
}

}  // namespace
}  // namespace ants::ood
