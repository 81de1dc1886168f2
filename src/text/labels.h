// MLLM answers to labels: the normalisation and numbered-list parsing of method.md §4.5 (the reference
// rules; the MLLM client adds a lenient cleaner in front of them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants::text {

// The longest label kept from an MLLM answer, in bytes: longer ones are cut at a character
// boundary. CLIP reads at most 75 tokens of a label (a few hundred bytes of text), so this only
// bounds what a misbehaving server can make ants tokenize, embed and store (answers may be 4 MiB).
constexpr size_t kMaxLabelBytes = 1024;

// Per item: skip missing; strip; drop trailing '.'; collapse whitespace runs; cut to
// kMaxLabelBytes; skip empty; drop repeats by Unicode case folding (first spelling and position
// win).
std::vector<std::string> normalize_labels(const std::vector<std::optional<std::string>>& items);
std::vector<std::string> normalize_labels(const std::vector<std::string>& items);

// Lines "  12) label" (digits, then one of . ) : -, optional space); other lines ignored; then
// normalize_labels and keep the first `limit`.
std::vector<std::string> parse_numbered(std::string_view text, size_t limit = 5);

// Unicode full case folding of UTF-8 text (invalid bytes kept as they are).
std::string casefold(std::string_view text);

}  // namespace ants::text
