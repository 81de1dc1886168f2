#include "stream-name.h"

namespace ants::server {

namespace {
bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
}  // namespace

bool valid_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !word_char(name[0])) return false;
  for (char c : name)
    if (!word_char(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace ants::server
