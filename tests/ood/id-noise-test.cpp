// Fig. 7a's ID noise in the ENS labels: how many are replaced, by what, and reproducibly.
#include "ood/id-noise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace ants::ood {
namespace {

std::vector<std::string> descriptions(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("description " + std::to_string(i));
  return out;
}

const std::vector<std::string> kClasses = {"cat", "dog", "fox"};

size_t replaced(const std::vector<std::string>& labels) {
  return static_cast<size_t>(std::count_if(labels.begin(), labels.end(), [](const std::string& l) {
    return std::find(kClasses.begin(), kClasses.end(), l) != kClasses.end();
  }));
}

TEST(IdNoise, ReplacesRoundShareTimesCountAndKeepsTheRestInPlace) {
  for (const auto& [n, share, want] : std::vector<std::tuple<size_t, double, size_t>>{
           {10, 0.5, 5}, {10, 0.25, 3}, {4, 0.125, 1}, {3, 0.1, 0}, {7, 1.0, 7}, {7, 0.0, 0}, {5, 2.0, 5},
           {100, 0.145, 15}, {200, 0.7175, 144}}) {  // decimal halves that binary puts a hair below
    std::vector<std::string> labels = descriptions(n);
    inject_id_noise(labels, kClasses, share, 42, 0);
    EXPECT_EQ(replaced(labels), want) << n << " x " << share;
    for (size_t i = 0; i < n; ++i) {  // the others are untouched, in place
      if (labels[i].rfind("description", 0) == 0) {
        EXPECT_EQ(labels[i], "description " + std::to_string(i));
      }
    }
  }
}

TEST(IdNoise, SameSeedAndDrawSameLabelsOtherwiseOtherDraws) {
  auto noisy = [](uint64_t seed, uint64_t draw) {
    std::vector<std::string> labels = descriptions(20);
    inject_id_noise(labels, kClasses, 0.5, seed, draw);
    return labels;
  };
  EXPECT_EQ(noisy(7, 3), noisy(7, 3));
  EXPECT_NE(noisy(7, 3), noisy(7, 4));
  EXPECT_NE(noisy(7, 3), noisy(8, 3));
  EXPECT_NE(noisy(1ull << 32, 0), noisy(0, 0));  // the seed's high bits count
}

TEST(IdNoise, ClassesAndPositionsAreDrawnUniformly) {
  std::map<std::string, int> classes;
  std::vector<int> positions(10);
  for (uint64_t draw = 0; draw < 3000; ++draw) {
    std::vector<std::string> labels = descriptions(10);
    inject_id_noise(labels, kClasses, 0.1, 5, draw);  // one label per draw
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i].rfind("description", 0) != 0) ++classes[labels[i]], ++positions[i];
  }
  for (const auto& c : kClasses) EXPECT_NEAR(classes[c], 1000, 120) << c;  // ±3.9 sd
  for (int p : positions) EXPECT_NEAR(p, 300, 70);                         // ±4.3 sd
}

}  // namespace
}  // namespace ants::ood
