// PyTorch-compatible CPU randperm: the grouped scores depend on exactly this column order.
#pragma once

#include <cstdint>
#include <vector>

namespace ants::ood {

// torch.randperm(n) from a fresh generator seeded with `seed` (torch 1.13, CPU, n < 2^32/20):
// forward Fisher–Yates over the identity with MT19937, z = mt() mod (n − i).
std::vector<uint32_t> torch_randperm(uint32_t n, uint32_t seed = 0);

// The seed-0 permutation of n, computed once per n for the life of the process (thread-safe).
const std::vector<uint32_t>& cached_randperm(uint32_t n);

}  // namespace ants::ood
