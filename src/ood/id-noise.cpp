#include "ood/id-noise.h"

#include "ood/round-count.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace ants::ood {
namespace {

// Exactly uniform on [0, m): rejection keeps a multiple of m of the 2^32 outputs (the standard
// distributions differ between C++ libraries, which would make runs differ between builds).
uint32_t uniform_below(std::mt19937& rng, uint32_t m) {
  const uint32_t limit = UINT32_MAX - UINT32_MAX % m;
  uint32_t x = rng();
  while (x >= limit) x = rng();
  return x % m;
}

}  // namespace

void inject_id_noise(std::vector<std::string>& labels, const std::vector<std::string>& class_names, double share,
                     uint64_t seed, uint64_t draw) {
  const size_t n = labels.size();
  const size_t k = std::min(n, round_count(std::clamp(share, 0.0, 1.0) * static_cast<double>(n)));
  if (k == 0 || class_names.empty()) return;
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(draw),
                    static_cast<uint32_t>(draw >> 32)};
  std::mt19937 rng(seq);
  std::vector<size_t> pos(n);
  std::iota(pos.begin(), pos.end(), size_t{0});
  for (size_t i = 0; i < k; ++i) {  // partial Fisher–Yates: pos[0..k) are the replaced positions
    std::swap(pos[i], pos[i + uniform_below(rng, static_cast<uint32_t>(n - i))]);
    labels[pos[i]] = class_names[uniform_below(rng, static_cast<uint32_t>(class_names.size()))];
  }
}

}  // namespace ants::ood
