// MLLM answers to labels: the normalisation and numbered-list parsing of method.md §4.5 (the reference
// rules; the MLLM client adds a lenient cleaner in front of them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants::text {

// Per item: skip missing; strip; drop trailing '.'; collapse whitespace runs; skip empty; drop
// repeats by Unicode case folding (first spelling and position win).
std::vector<std::string> normalize_labels(const std::vector<std::optional<std::string>>& items);
std::vector<std::string> normalize_labels(const std::vector<std::string>& items);

// Lines "  12) label" (digits, then one of . ) : -, optional space); other lines ignored; then
// normalize_labels and keep the first `limit`.
std::vector<std::string> parse_numbered(std::string_view text, size_t limit = 5);

// Unicode full case folding of UTF-8 text (invalid bytes kept as they are).
std::string casefold(std::string_view text);

}  // namespace ants::text
