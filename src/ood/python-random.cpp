#include "ood/python-random.h"

#include <array>
#include <bit>

#include "core/error.h"

namespace ants::ood {

namespace {

constexpr size_t kN = 624;

// CPython's init_by_array (Modules/_randommodule.c) for a one-word key. std::seed_seq mixes
// differently, so the state is built here and handed to std::mt19937 by a seed sequence that
// generates exactly these words (for a 32-bit engine, seed(q) takes q's words as the state and
// the next draw regenerates them all, as CPython's first draw does).
std::array<uint32_t, kN> init_by_array(uint32_t key) {
  std::array<uint32_t, kN> mt{};
  mt[0] = 19650218u;
  for (size_t i = 1; i < kN; ++i) mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + static_cast<uint32_t>(i);
  size_t i = 1;
  for (size_t k = kN; k > 0; --k) {  // key length 1: j stays 0
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key;
    if (++i >= kN) {
      mt[0] = mt[kN - 1];
      i = 1;
    }
  }
  for (size_t k = kN - 1; k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
    if (++i >= kN) {
      mt[0] = mt[kN - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
  return mt;
}

struct StateSequence {
  using result_type = uint32_t;
  std::array<uint32_t, kN> words;
  template <typename It>
  void generate(It begin, It end) const {
    for (size_t i = 0; begin != end; ++begin, ++i) *begin = words[i % kN];
  }
};

}  // namespace

PythonRandom::PythonRandom(uint32_t seed) {
  StateSequence state{init_by_array(seed)};
  mt_.seed(state);
}

size_t PythonRandom::randbelow(size_t n) {
  if (n == 0 || n > 0xffffffffu) core::fail(ErrorCode::internal, "PythonRandom::randbelow", "n must be in [1, 2^32)");
  const int k = std::bit_width(n);
  for (;;) {
    const size_t r = getrandbits32() >> (32 - k);
    if (r < n) return r;
  }
}

}  // namespace ants::ood
