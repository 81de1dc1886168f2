#include "pipeline/html-text.h"

#include <cstdio>

#include "core/utf8.h"

namespace ants::pipeline::report {

namespace {

constexpr char kReplacement[] = "\uFFFD";

// An ASCII byte as HTML text: markup characters as entities, controls other than tab and
// newline replaced.
void append_ascii(unsigned char c, std::string& out) {
  switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    case '\t':
    case '\n': out += static_cast<char>(c); break;
    default: out += (c < 0x20 || c == 0x7F) ? std::string(kReplacement) : std::string(1, static_cast<char>(c));
  }
}

}  // namespace

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      append_ascii(c, out);
      ++i;
      continue;
    }
    const core::Utf8Char u = core::decode_utf8_char(s, i);
    if (u.valid) {
      out.append(s.substr(i, u.size));
      i += u.size;
    } else {
      // One U+FFFD per invalid byte rather than per maximal subpart: the page's bytes stay
      // those earlier versions wrote for the same inputs.
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string note(const std::string& text) { return "<p class='note'>" + esc(text) + "</p>"; }

}  // namespace ants::pipeline::report
