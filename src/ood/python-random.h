// Python's `random` module stream (CPython's Mersenne Twister), for reference code that draws with
// random.seed(s) and random.choice: CSP picks each adjective's template that way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace ants::ood {

class PythonRandom {
 public:
  // random.seed(seed) for an int seed below 2^32: init_by_array with the key {seed}.
  explicit PythonRandom(uint32_t seed);
  uint32_t getrandbits32() { return static_cast<uint32_t>(mt_()); }
  // random._randbelow(n) (n ≥ 1): k = n.bit_length() bits per draw, redrawn while ≥ n.
  // random.choice(seq) is seq[randbelow(len(seq))].
  size_t randbelow(size_t n);

 private:
  std::mt19937 mt_;
};

}  // namespace ants::ood
