// Bounded reads from bytes of a file: every length is compared with the bytes left before it is
// used, so a corrupt count never reads past the end or allocates what the file does not hold.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ants::core {

struct ByteReader {
  std::string_view bytes;
  size_t pos = 0;

  size_t left() const { return bytes.size() - pos; }
  template <typename T>
  bool get(T& v) {
    if (left() < sizeof v) return false;
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return true;
  }
  bool take(uint64_t n, std::string_view& v) {
    if (n > left()) return false;
    v = bytes.substr(pos, static_cast<size_t>(n));
    pos += static_cast<size_t>(n);
    return true;
  }
  template <typename T>
  bool get_array(uint64_t n, std::vector<T>& v) {
    if (n > left() / sizeof(T)) return false;
    v.resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(v.data(), bytes.data() + pos, static_cast<size_t>(n) * sizeof(T));
    pos += static_cast<size_t>(n) * sizeof(T);
    return true;
  }
};

}  // namespace ants::core
