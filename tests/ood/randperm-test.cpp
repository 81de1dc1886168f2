#include "ood/randperm.h"

#include <gtest/gtest.h>

#include <random>

namespace ants::ood {
namespace {

std::vector<uint32_t> v(std::initializer_list<uint32_t> l) { return l; }

TEST(Randperm, Mt19937SeedZeroStream) {  // method.md §8.1
  std::mt19937 g(0);
  EXPECT_EQ(g(), 2357136044u);
  EXPECT_EQ(g(), 2546248239u);
  EXPECT_EQ(g(), 3071714933u);
}

TEST(Randperm, MatchesTorchRandperm) {  // method.md §8.1
  EXPECT_EQ(torch_randperm(4), v({0, 1, 3, 2}));
  EXPECT_EQ(torch_randperm(6), v({2, 5, 3, 0, 1, 4}));
  EXPECT_EQ(torch_randperm(10), v({4, 1, 7, 5, 3, 9, 0, 8, 6, 2}));
  EXPECT_EQ(torch_randperm(20), v({4, 5, 13, 19, 7, 14, 3, 6, 9, 17, 11, 2, 16, 18, 10, 12, 15, 8, 1, 0}));
  const auto big = torch_randperm(10000);
  EXPECT_EQ(std::vector<uint32_t>(big.begin(), big.begin() + 10),
            v({6044, 2890, 9399, 1917, 4919, 1729, 429, 7532, 337, 8223}));
}

TEST(Randperm, CachedIsTheSamePermutation) {
  EXPECT_EQ(cached_randperm(20), torch_randperm(20));
  EXPECT_EQ(&cached_randperm(20), &cached_randperm(20));
  EXPECT_TRUE(torch_randperm(0).empty());
  EXPECT_EQ(torch_randperm(1), v({0}));
}

}  // namespace
}  // namespace ants::ood
