#include "text/labels.h"

#include <utf8proc.h>

#include <cstdlib>
#include <unordered_set>

namespace ants::text {
namespace {

// Python's str.split() whitespace for ASCII text (MLLM labels are short and mostly ASCII).
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) {
      if (!out.empty()) out += ' ';
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// At most kMaxLabelBytes, cut before a UTF-8 continuation byte so no character is split (at most
// 3 steps back: invalid UTF-8 is cut where it is).
std::string_view cap_length(std::string_view s) {
  if (s.size() <= kMaxLabelBytes) return s;
  size_t end = kMaxLabelBytes;
  for (int back = 0; back < 3 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80; ++back) --end;
  return s.substr(0, end);
}

std::string normalize_one(std::string_view item) {
  std::string_view s = strip(item);
  while (!s.empty() && s.back() == '.') s.remove_suffix(1);
  std::string label = collapse_whitespace(s);
  // The cut may leave a trailing space or '.': normalised again (it is short now).
  if (label.size() > kMaxLabelBytes) label = normalize_one(cap_length(label));
  return label;
}

template <typename Get>
std::vector<std::string> normalize_all(size_t n, Get get) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < n; ++i) {
    const std::string* item = get(i);
    if (item == nullptr) continue;
    std::string label = normalize_one(*item);
    if (label.empty() || !seen.insert(casefold(label)).second) continue;
    out.push_back(std::move(label));
  }
  return out;
}

// "  12) rest" -> "rest" (outer whitespace trimmed); nullopt for lines of any other shape.
std::optional<std::string_view> numbered_item(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  const size_t digits = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits || i == line.size()) return std::nullopt;
  const char sep = line[i++];
  if (sep != '.' && sep != ')' && sep != ':' && sep != '-') return std::nullopt;
  std::string_view rest = strip(line.substr(i));
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace

std::string casefold(std::string_view text) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                              static_cast<utf8proc_ssize_t>(text.size()), &out, UTF8PROC_CASEFOLD);
  if (n < 0) return std::string(text);  // invalid UTF-8: compare bytes as they are
  std::string folded(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return folded;
}

std::vector<std::string> normalize_labels(const std::vector<std::optional<std::string>>& items) {
  return normalize_all(items.size(), [&](size_t i) { return items[i] ? &*items[i] : nullptr; });
}

std::vector<std::string> normalize_labels(const std::vector<std::string>& items) {
  return normalize_all(items.size(), [&](size_t i) { return &items[i]; });
}

std::vector<std::string> parse_numbered(std::string_view text, size_t limit) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto item = numbered_item(text.substr(start, end - start))) items.emplace_back(*item);
    start = end + 1;
  }
  std::vector<std::string> labels = normalize_labels(items);
  if (labels.size() > limit) labels.resize(limit);
  return labels;
}

}  // namespace ants::text
