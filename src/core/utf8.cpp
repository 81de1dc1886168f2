#include "core/utf8.h"

namespace ants::core {

namespace {

// A lead byte's sequence length and the allowed range of the byte after it (Table 3-7); the
// bytes after that are always 80..BF.
struct Lead {
  size_t length;  // 0: not a lead byte
  unsigned char lo, hi;
};

Lead lead(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};  // below A0: overlong
  if (b == 0xED) return {3, 0x80, 0x9F};  // above 9F: UTF-16 surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};  // below 90: overlong
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // above 8F: beyond U+10FFFF
  return {0, 0, 0};
}

}  // namespace

Utf8Char decode_utf8_char(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {b, 1, true};
  const Lead l = lead(b);
  if (l.length == 0) return {};
  char32_t cp = b & (0x7F >> l.length);
  for (size_t k = 1; k < l.length; ++k) {
    if (i + k >= s.size()) return {0xFFFD, k, false};
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (c < (k == 1 ? l.lo : 0x80) || c > (k == 1 ? l.hi : 0xBF)) return {0xFFFD, k, false};
    cp = (cp << 6) | (c & 0x3F);
  }
  return {cp, l.length, true};
}

}  // namespace ants::core
