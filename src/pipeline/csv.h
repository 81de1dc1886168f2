// CSV as the eval files and detect rows write it.
#pragma once

#include <string>

namespace ants {

// RFC 4180 quoting of one CSV field (quotes only when needed).
std::string csv_field(const std::string& s);

}  // namespace ants
