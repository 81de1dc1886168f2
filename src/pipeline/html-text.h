// Text for the report's HTML: input strings escaped, numbers formatted, notes.
#pragma once

#include <string>
#include <string_view>

namespace ants::pipeline::report {

// HTML-escaped text, safe inside elements and quoted attributes. Invalid UTF-8 and control
// characters (file names can hold any byte) become U+FFFD.
std::string esc(std::string_view s);

// `v` with `decimals` digits after the point ("%.*f").
std::string fixed(double v, int decimals);

// A muted paragraph of plain text.
std::string note(const std::string& text);

}  // namespace ants::pipeline::report
