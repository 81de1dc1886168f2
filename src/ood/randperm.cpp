#include "ood/randperm.h"

#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <utility>

namespace ants::ood {

std::vector<uint32_t> torch_randperm(uint32_t n, uint32_t seed) {
  std::vector<uint32_t> r(n);
  std::iota(r.begin(), r.end(), 0u);
  std::mt19937 gen(seed);  // init_genrand(seed), as torch's CPU generator
  for (uint32_t i = 0; i + 1 < n; ++i) std::swap(r[i], r[i + gen() % (n - i)]);
  return r;
}

const std::vector<uint32_t>& cached_randperm(uint32_t n) {
  static std::mutex mu;
  static std::map<uint32_t, std::unique_ptr<const std::vector<uint32_t>>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<const std::vector<uint32_t>>(torch_randperm(n));
  return *slot;
}

}  // namespace ants::ood
