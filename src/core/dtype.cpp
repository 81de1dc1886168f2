#include "core/dtype.h"

#include <cmath>

namespace ants::core {

float f16_to_f32(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1u;
  const int exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ffu;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // subnormal
  } else if (exp == 31) {
    v = mant ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400u), exp - 25);
  }
  return sign ? -v : v;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00u;
  if (a >= 65520.f) return sign | 0x7c00u;  // overflow to infinity
  if (a < 6.103515625e-05f) {               // subnormal range: multiples of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.f));
  }
  int e;
  float m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  uint32_t mant = static_cast<uint32_t>(std::nearbyint(m * 2048.f));  // 11 significant bits
  if (mant == 2048u) {
    mant = 1024u;
    ++e;
  }
  return sign | static_cast<uint16_t>(((e + 14) << 10) | (mant & 0x3ffu));
}

}  // namespace ants::core
