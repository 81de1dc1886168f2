// Counts from decimal shares the user types (δ·N, P·n, R·n): round half away from zero, as the
// decimal product would round.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>

namespace ants::ood {

// In binary, share·n can land a few ulps below an exact decimal half (0.145·100 =
// 14.499999999999998); a relative nudge of 8 ulps rounds it as the decimal does and is far below
// the spacing of any decimal input. Negative or NaN: 0.
inline size_t round_count(double x) {
  return x > 0 ? static_cast<size_t>(std::round(x * (1 + 8 * DBL_EPSILON))) : 0;
}

}  // namespace ants::ood
