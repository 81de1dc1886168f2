// CLIP's text cleaning (simple_tokenizer.basic_clean + whitespace_clean + lower), step by step,
// over Unicode code points. Each function reproduces the Python it names exactly.
#pragma once

#include <string>
#include <string_view>

namespace ants::clip {

// bytes.decode("utf-8", errors="replace"): one U+FFFD per maximal invalid subpart.
std::u32string decode_utf8(std::string_view bytes);
std::string encode_utf8(std::u32string_view text);
void append_utf8(char32_t cp, std::string& out);
// One well-formed UTF-8 sequence at bytes[i]: its length (and *cp), or 0 when it is not one.
size_t utf8_sequence(std::string_view bytes, size_t i, char32_t* cp);

// ftfy 6.1 fix_text() with its default config.
std::u32string ftfy_fix_text(std::u32string_view text);
// Python's html.unescape().
std::u32string html_unescape(std::u32string_view text);
// Python's str.lower(), including U+0130 -> "i\u0307" and the final-sigma rule.
std::u32string python_lower(std::u32string_view text);

// The whole chain; what the tokenizer splits.
std::u32string clean_text(std::string_view utf8_text);

// Character classes of CLIP's split pattern (regex module, Unicode \s, \p{L}, \p{N}).
bool is_regex_space(char32_t cp);
bool is_letter(char32_t cp);
bool is_number(char32_t cp);

}  // namespace ants::clip
