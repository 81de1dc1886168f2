// UTF-8 read one character at a time, by the well-formedness rules of Unicode §3.9 (Table 3-7:
// no overlong forms, no surrogates, nothing above U+10FFFF). Text from files, file names and
// servers can hold any byte, so every place that must emit valid UTF-8 checks it here.
#pragma once

#include <cstddef>
#include <string_view>

namespace ants::core {

struct Utf8Char {
  char32_t cp = 0xFFFD;  // U+FFFD when invalid
  size_t size = 1;       // bytes read: the sequence, or its maximal invalid subpart (at least 1)
  bool valid = false;
};

// The character that starts at s[i] (i < s.size()). Stepping by `size` replaces each maximal
// invalid subpart by one U+FFFD, as Python's decode(errors="replace") and WHATWG decoders do.
Utf8Char decode_utf8_char(std::string_view s, size_t i);

}  // namespace ants::core
