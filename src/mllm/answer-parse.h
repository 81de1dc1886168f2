// From a server's raw answer to what the detector uses: one description (ENS) or a few class
// names (VSNL). `reference` is method.md §4.5 exactly; `lenient` first cleans what real servers send
// (think blocks, markdown, quotes, preambles, other numbering styles, comma lists, trailing
// explanations, over-long text, invalid UTF-8) and then applies the same rules.
#pragma once

#include <ants/mllm-client.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants::mllm {

// Longest description and label kept by the lenient parser (longer ones are cut at a word).
constexpr size_t kDescriptionWords = 12, kDescriptionBytes = 120;
constexpr size_t kLabelWords = 6, kLabelBytes = 60;

// reference: the text stripped. lenient: the first line of content, cleaned and capped; nullopt
// when nothing is left.
std::optional<std::string> parse_description(std::string_view raw, MllmParse mode);

// reference: parse_numbered(raw, limit). lenient: the list items (numbered, bulleted, one per
// line, or one comma-separated line), cleaned, without `queried_class` (case-insensitive),
// normalised, the first `limit`; nullopt when none is left.
std::optional<std::vector<std::string>> parse_similar(std::string_view raw, MllmParse mode,
                                                      std::string_view queried_class, size_t limit = 5);

// Valid UTF-8 with invalid bytes and control characters (other than newline and tab) removed.
std::string sanitize_utf8(std::string_view text);

}  // namespace ants::mllm
