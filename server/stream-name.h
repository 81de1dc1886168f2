// Stream names: they name files in the state directory, so only `[A-Za-z0-9_][A-Za-z0-9._-]{0,63}`
// (never "." or "..", no separator) is accepted.
#pragma once

#include <string_view>

namespace ants::server {

inline constexpr const char* kStreamNameRule =
    "a stream name is 1 to 64 of A-Z a-z 0-9 _ . - and starts with a letter, digit or _";

bool valid_stream_name(std::string_view name);

}  // namespace ants::server
