// Small string helpers every parser of a text file or an answer shares.
#pragma once

#include <string>
#include <string_view>

namespace ants::text {

// Space, \t, \n, \v, \f or \r.
bool is_space(char c);
// `s` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim(std::string_view s);
// `s` with A-Z lowered (other bytes unchanged).
std::string lower_ascii(std::string_view s);

}  // namespace ants::text
