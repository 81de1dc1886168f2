#include "clip/text-clean.h"

#include <ants/tokenizer.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>

#include "clip/text-fix-encoding.h"
#include "core/error.h"

namespace ants::clip {

namespace {

struct NamedRef {
  std::string_view name;
  std::string_view utf8;
};
struct CharRef {
  char32_t num;
  char32_t cp;
};
struct CodeRange {
  char32_t first;
  char32_t last;
};

#include "clip/case-props.inc"
#include "clip/html-entities.inc"

constexpr char32_t kReplacement = 0xFFFD;

// ---------------------------------------------------------------------------------------------
// Small helpers

bool in_ranges(const CodeRange* begin, const CodeRange* end, char32_t cp) {
  const auto* it = std::upper_bound(begin, end, cp, [](char32_t c, const CodeRange& r) { return c < r.first; });
  return it != begin && cp <= std::prev(it)->last;
}

template <size_t N>
const NamedRef* find_named(const NamedRef (&table)[N], std::string_view name) {
  const auto* it = std::lower_bound(std::begin(table), std::end(table), name,
                                    [](const NamedRef& r, std::string_view n) { return r.name < n; });
  return it != std::end(table) && it->name == name ? it : nullptr;
}

bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_ascii_alpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_alnum(char32_t c) { return is_ascii_digit(c) || is_ascii_alpha(c); }
bool is_hex_digit(char32_t c) { return is_ascii_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// Python's str.isspace(): regex's \s plus the four information separators U+1C..U+1F.
bool is_python_space(char32_t c) { return is_regex_space(c) || (c >= 0x1C && c <= 0x1F); }

void append_utf8_text(std::string_view utf8, std::u32string& out) { out += decode_utf8(utf8); }

std::u32string_view strip_python_space(std::u32string_view s) {
  while (!s.empty() && is_python_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_python_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

// Allowed range of the second byte of a multi-byte sequence (Unicode Table 3-7); the rest are
// always 80..BF.
struct LeadInfo {
  int length;  // 0: not a valid lead byte
  unsigned char lo, hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Decodes one sequence at `i`; returns the bytes consumed (a maximal subpart when invalid).
size_t decode_one(std::string_view s, size_t i, char32_t* cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  const LeadInfo info = lead_info(b);
  *cp = kReplacement;
  if (info.length == 0) return 1;
  char32_t value = b & (0x7F >> info.length);
  for (int k = 1; k < info.length; ++k) {
    if (i + k >= s.size()) return k;
    const auto c = static_cast<unsigned char>(s[i + k]);
    const unsigned char lo = k == 1 ? info.lo : 0x80, hi = k == 1 ? info.hi : 0xBF;
    if (c < lo || c > hi) return k;
    value = (value << 6) | (c & 0x3F);
  }
  *cp = value;
  return static_cast<size_t>(info.length);
}

// ---------------------------------------------------------------------------------------------
// Python's html.unescape

// int() of a digit string, saturated above the Unicode range (Python's result there is U+FFFD
// whatever the value).
char32_t parse_number(std::u32string_view digits, int base) {
  uint32_t v = 0;
  for (char32_t c : digits) {
    const uint32_t d = is_ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    v = std::min<uint32_t>(v * base + d, 0x110000);
  }
  return v;
}

void append_numeric_ref(char32_t num, std::u32string& out) {
  const auto* ref = std::find_if(std::begin(kInvalidCharrefs), std::end(kInvalidCharrefs),
                                 [num](const CharRef& r) { return r.num == num; });
  if (ref != std::end(kInvalidCharrefs)) {
    out += ref->cp;
  } else if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out += kReplacement;
  } else if (std::find(std::begin(kInvalidCodepoints), std::end(kInvalidCodepoints), num) ==
             std::end(kInvalidCodepoints)) {
    out += num;
  }
}

// `&#[0-9]+;?` or `&#[xX][0-9a-fA-F]+;?` at s[i] == '&'; returns the length matched, 0 if none.
size_t match_numeric_ref(std::u32string_view s, size_t i, std::u32string& out) {
  size_t j = i + 2;
  const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
  if (hex) ++j;
  const size_t start = j;
  while (j < s.size() && (hex ? is_hex_digit(s[j]) : is_ascii_digit(s[j]))) ++j;
  if (j == start) return 0;
  append_numeric_ref(parse_number(s.substr(start, j - start), hex ? 16 : 10), out);
  if (j < s.size() && s[j] == ';') ++j;
  return j - i;
}

bool is_name_char(char32_t c) {
  return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
}

// `&[^\t\n\f <&#;]{1,32};?` at s[i] == '&', resolved as html._replace_charref does: the whole
// name, else its longest prefix (of at least 2 characters) that is an entity.
size_t match_named_ref(std::u32string_view s, size_t i, std::u32string& out) {
  size_t j = i + 1;
  while (j < s.size() && j - i - 1 < 32 && is_name_char(s[j])) ++j;
  if (j == i + 1) return 0;
  if (j < s.size() && s[j] == ';') ++j;
  const std::u32string_view name = s.substr(i + 1, j - i - 1);
  if (const NamedRef* ref = find_named(kHtml5Entities, encode_utf8(name))) {
    append_utf8_text(ref->utf8, out);
    return j - i;
  }
  for (size_t len = name.size() - 1; len >= 2; --len) {
    if (const NamedRef* ref = find_named(kHtml5Entities, encode_utf8(name.substr(0, len)))) {
      append_utf8_text(ref->utf8, out);
      out += name.substr(len);
      return j - i;
    }
  }
  out += s.substr(i, j - i);
  return j - i;
}

// ---------------------------------------------------------------------------------------------
// ftfy 6.1 fixes, in fix_and_explain's order

// ftfy's HTML_ENTITY_RE `&#?[0-9A-Za-z]{1,24};` at s[i] == '&'; returns the match length or 0.
size_t match_ftfy_entity(std::u32string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') ++j;
  const size_t start = j;
  while (j < s.size() && j - start <= 24 && is_ascii_alnum(s[j])) ++j;
  const size_t n = j - start;
  if (n < 1 || n > 24 || j >= s.size() || s[j] != ';') return 0;
  return j + 1 - i;
}

// ftfy.fixes._unescape_fixup: known entities (and their upper-case forms), and numeric
// references only when html.unescape consumes them whole.
void append_ftfy_entity(std::u32string_view entity, std::u32string& out) {
  if (entity[1] == '#') {
    std::u32string unescaped = html_unescape(entity);
    out += unescaped.find(U';') == std::u32string::npos ? std::u32string_view(unescaped) : entity;
    return;
  }
  const NamedRef* ref = find_named(kFtfyEntities, encode_utf8(entity.substr(1, entity.size() - 2)));
  if (ref != nullptr) {
    append_utf8_text(ref->utf8, out);
  } else {
    out += entity;
  }
}

std::u32string ftfy_unescape_html(std::u32string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = s[i] == '&' ? match_ftfy_entity(s, i) : 0;
    if (n == 0) {
      out += s[i++];
      continue;
    }
    append_ftfy_entity(s.substr(i, n), out);
    i += n;
  }
  return out;
}

// ANSI_RE = "\033\[((?:\d|;)*)([a-zA-Z])"; \d is any Unicode decimal digit (Nd).
size_t match_terminal_escape(std::u32string_view s, size_t i) {
  if (s[i] != 0x1B || i + 1 >= s.size() || s[i + 1] != '[') return 0;
  size_t j = i + 2;
  while (j < s.size() &&
         (s[j] == ';' || utf8proc_category(static_cast<utf8proc_int32_t>(s[j])) == UTF8PROC_CATEGORY_ND)) {
    ++j;
  }
  return j < s.size() && is_ascii_alpha(s[j]) ? j + 1 - i : 0;
}

std::u32string remove_terminal_escapes(std::u32string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = match_terminal_escape(s, i);
    if (n == 0) out += s[i];
    i += std::max<size_t>(n, 1);
  }
  return out;
}

std::u32string_view latin_ligature(char32_t c) {
  switch (c) {
    case 0x0132: return U"IJ";
    case 0x0133: return U"ij";
    case 0x0149: return U"\u02BCn";
    case 0x01F1: return U"DZ";
    case 0x01F2: return U"Dz";
    case 0x01F3: return U"dz";
    case 0x01C4: return U"D\u017D";
    case 0x01C5: return U"D\u017E";
    case 0x01C6: return U"d\u017E";
    case 0x01C7: return U"LJ";
    case 0x01C8: return U"Lj";
    case 0x01C9: return U"lj";
    case 0x01CA: return U"NJ";
    case 0x01CB: return U"Nj";
    case 0x01CC: return U"nj";
    case 0xFB00: return U"ff";
    case 0xFB01: return U"fi";
    case 0xFB02: return U"fl";
    case 0xFB03: return U"ffi";
    case 0xFB04: return U"ffl";
    case 0xFB05: return U"\u017Ft";
    case 0xFB06: return U"st";
    default: return {};
  }
}

std::u32string utf8proc_normalize(std::u32string_view s, int options) {
  const std::string in = encode_utf8(s);
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                              static_cast<utf8proc_ssize_t>(in.size()), &out, static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (n < 0) core::fail(ErrorCode::internal, "clip_clean_text", utf8proc_errmsg(n));
  return decode_utf8(std::string_view(reinterpret_cast<const char*>(out), static_cast<size_t>(n)));
}

// ftfy's WIDTH_MAP: U+3000 -> space, and U+FF01..U+FFEF -> their NFKC form where it differs.
const std::u32string* width_form(char32_t c) {
  static const std::u32string kSpace = U" ";
  static const auto table = [] {
    std::array<std::u32string, 0xFFF0 - 0xFF01> t;
    for (char32_t cp = 0xFF01; cp < 0xFFF0; ++cp) {
      const std::u32string one(1, cp);
      std::u32string nfkc = utf8proc_normalize(one, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
      if (nfkc != one) t[cp - 0xFF01] = std::move(nfkc);
    }
    return t;
  }();
  if (c == 0x3000) return &kSpace;
  if (c < 0xFF01 || c >= 0xFFF0) return nullptr;
  const std::u32string& s = table[c - 0xFF01];
  return s.empty() ? nullptr : &s;
}

// ftfy's CONTROL_CHARS.
bool is_ftfy_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// fix_c1_controls, fix_latin_ligatures, fix_character_width and uncurl_quotes, each a
// character-for-string translation that does not feed the next one except through this order.
std::u32string translate_characters(std::u32string_view s) {
  std::u32string c1;
  for (char32_t c : s) c1 += fix_c1_control(c);
  std::u32string lig;
  for (char32_t c : c1) {
    const std::u32string_view r = latin_ligature(c);
    if (r.empty()) {
      lig += c;
    } else {
      lig += r;
    }
  }
  std::u32string out;
  for (char32_t c : lig) {
    if (const std::u32string* w = width_form(c)) {
      out += *w;
    } else {
      out += c;
    }
  }
  for (char32_t& c : out) {
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = '\'';
    if (c >= 0x201C && c <= 0x201F) c = '"';
  }
  return out;
}

std::u32string fix_line_breaks(std::u32string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;  // the '\n' is kept
    const bool brk = c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85;
    out += brk ? U'\n' : c;
  }
  return out;
}

std::u32string remove_control_chars(std::u32string_view s) {
  std::u32string out;
  std::copy_if(s.begin(), s.end(), std::back_inserter(out), [](char32_t c) { return !is_ftfy_control(c); });
  return out;
}

// One fix_and_explain() segment: the fixers in ftfy's order, repeated until nothing changes.
// fix_surrogates has nothing to do: decoded text and html.unescape never yield surrogates.
std::u32string fix_segment(std::u32string text, bool unescape) {
  while (true) {
    std::u32string fixed = unescape ? ftfy_unescape_html(text) : text;
    fixed = ftfy_fix_encoding(fixed);
    fixed = translate_characters(fixed);
    fixed = fix_line_breaks(fixed);
    fixed = remove_terminal_escapes(fixed);
    fixed = remove_control_chars(fixed);
    fixed = utf8proc_normalize(fixed, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (fixed == text) return fixed;
    text = std::move(fixed);
  }
}

// ---------------------------------------------------------------------------------------------
// str.lower()

// CPython's handle_capital_sigma: \p{cased}\p{case-ignorable}* U+03A3 !(\p{case-ignorable}*\p{cased}).
bool is_final_sigma(std::u32string_view s, size_t i) {
  auto ignorable = [](char32_t c) { return in_ranges(std::begin(kCaseIgnorable), std::end(kCaseIgnorable), c); };
  auto cased = [](char32_t c) { return in_ranges(std::begin(kCased), std::end(kCased), c); };
  size_t j = i;
  while (j > 0 && ignorable(s[j - 1])) --j;
  if (j == 0 || !cased(s[j - 1])) return false;
  size_t k = i + 1;
  while (k < s.size() && ignorable(s[k])) ++k;
  return k == s.size() || !cased(s[k]);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    char32_t cp = 0;
    i += decode_one(bytes, i, &cp);
    out += cp;
  }
  return out;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t utf8_sequence(std::string_view bytes, size_t i, char32_t* cp) {
  const size_t n = decode_one(bytes, i, cp);
  const auto b = static_cast<unsigned char>(bytes[i]);
  const bool whole = b < 0x80 || static_cast<int>(n) == lead_info(b).length;
  return whole ? n : 0;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(cp, out);
  return out;
}

std::u32string html_unescape(std::u32string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 0;
    if (s[i] == '&') {
      const bool numeric = i + 1 < s.size() && s[i + 1] == '#';
      n = numeric ? match_numeric_ref(s, i, out) : match_named_ref(s, i, out);
    }
    if (n == 0) out += s[i];
    i += std::max<size_t>(n, 1);
  }
  return out;
}

// fix_text() works line by line (segments end after '\n', at most 1,000,000 characters), and
// once a segment contains '<' the text is taken for HTML: entities stay from there on.
std::u32string ftfy_fix_text(std::u32string_view text) {
  constexpr size_t kMaxSegment = 1000000;
  std::u32string out;
  bool unescape = true;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find(U'\n', pos);
    end = end == std::u32string_view::npos ? text.size() : end + 1;
    end = std::min(end, pos + kMaxSegment);
    const std::u32string_view segment = text.substr(pos, end - pos);
    if (segment.find(U'<') != std::u32string_view::npos) unescape = false;
    out += fix_segment(std::u32string(segment), unescape);
    pos = end;
  }
  return out;
}

std::u32string python_lower(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == 0x0130) {
      out += U"i\u0307";
    } else if (c == 0x03A3) {
      out += is_final_sigma(s, i) ? U'\u03C2' : U'\u03C3';
    } else {
      out += static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
    }
  }
  return out;
}

bool is_regex_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_letter(char32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return true;
    default: return false;
  }
}

bool is_number(char32_t cp) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

// basic_clean: ftfy, html.unescape twice, strip; whitespace_clean: \s+ -> ' ', strip; lower().
std::u32string clean_text(std::string_view utf8_text) {
  const std::u32string fixed = html_unescape(html_unescape(ftfy_fix_text(decode_utf8(utf8_text))));
  std::u32string collapsed;
  bool in_run = false;
  for (char32_t c : strip_python_space(fixed)) {
    const bool space = is_regex_space(c);
    if (!space || !in_run) collapsed += space ? U' ' : c;
    in_run = space;
  }
  return python_lower(strip_python_space(collapsed));
}

}  // namespace ants::clip

namespace ants {

std::string clip_clean_text(std::string_view utf8_text) { return clip::encode_utf8(clip::clean_text(utf8_text)); }

}  // namespace ants
