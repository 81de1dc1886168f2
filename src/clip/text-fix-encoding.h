// ftfy 6.1's mojibake repair (fix_encoding), as CLIP's tokenizer runs it inside ftfy.fix_text():
// text that reads like UTF-8 decoded in a single-byte encoding ("sÃ³") is re-encoded and
// decoded again ("só"), when ftfy's badness heuristic says so.
#pragma once

#include <string>
#include <string_view>

namespace ants::clip {

// ftfy.fix_encoding(text) with the default TextFixerConfig.
std::u32string ftfy_fix_encoding(std::u32string_view text);

// ftfy.badness.is_bad(text): whether ftfy's heuristic sees mojibake.
bool ftfy_is_bad(std::u32string_view text);

// ftfy.fixes.fix_c1_controls for one character: U+0080..U+009F as their sloppy-windows-1252
// characters, anything else unchanged.
char32_t fix_c1_control(char32_t c);

}  // namespace ants::clip
