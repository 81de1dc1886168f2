#include "mllm/answer-parse.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "text/labels.h"
#include "text/strings.h"

namespace ants::mllm {
namespace {

using text::is_space;
using text::lower_ascii;
using text::trim;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower_ascii(s.substr(0, prefix.size())) == prefix;
}

// Reasoning models (DeepSeek-R1, Qwen3, ...) put their thinking in <think>...</think>. An
// unclosed block means the answer never came; a lone closing tag means the server stripped the
// opening one.
std::string drop_think_blocks(std::string_view text) {
  std::string out;
  const std::string low = lower_ascii(text);
  size_t pos = 0;
  if (const size_t close = low.find("</think>"); close != std::string::npos && low.rfind("<think>", close) == std::string::npos)
    pos = close + 8;
  while (pos < text.size()) {
    const size_t open = low.find("<think>", pos);
    if (open == std::string::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const size_t close = low.find("</think>", open);
    if (close == std::string::npos) break;
    pos = close + 8;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (std::string_view line = trim(text.substr(start, end - start)); !line.empty()) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// "- x", "* x", "• x", "1. x", "1) x", "1: x", "1 - x", "(1) x", "#1 x": the marker's length, 0 if none.
size_t list_marker(std::string_view line) {
  for (std::string_view bullet : {"- ", "* ", "+ ", "\u2022", "\u00b7", "\u2013 ", "\u2014 "})
    if (line.substr(0, bullet.size()) == bullet) return bullet.size();
  size_t i = 0;
  if (i < line.size() && (line[i] == '(' || line[i] == '#')) ++i;
  const size_t digits = i;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == digits || i - digits > 3) return 0;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i < line.size() && (line[i] == '.' || line[i] == ')' || line[i] == ':' || line[i] == '-')) return i + 1;
  return line[0] == '#' ? i : 0;
}

bool is_preamble(std::string_view line) {
  if (!line.empty() && line.back() == ':') return true;
  static constexpr std::array<std::string_view, 10> kOpeners = {
      "sure", "certainly", "of course", "here are", "here is", "here's", "okay", "ok,", "below are", "the following"};
  return std::any_of(kOpeners.begin(), kOpeners.end(), [&](std::string_view o) { return starts_with_ci(line, o); });
}

void strip_pairs(std::string& s) {
  // Markdown emphasis and code marks anywhere; quotes only around the whole item.
  for (std::string_view mark : {"**", "__", "`"})
    for (size_t p; (p = s.find(mark)) != std::string::npos;) s.erase(p, mark.size());
  static constexpr std::array<std::string_view, 10> kQuotes = {"\"", "'", "*", "_", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb"};
  for (bool changed = true; changed;) {
    changed = false;
    const std::string_view t = trim(s);
    s = std::string(t);
    for (std::string_view q : kQuotes) {
      if (s.size() >= q.size() && s.compare(0, q.size(), q) == 0) s.erase(0, q.size()), changed = true;
      if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0) s.erase(s.size() - q.size()), changed = true;
    }
  }
}

// "Lynx - a wild cat", "Lynx: wild cat", "Lynx (wild cat)" -> "Lynx".
void cut_explanation(std::string& s) {
  for (std::string_view sep : {" - ", " \u2013 ", " \u2014 ", ": ", " (", " because ", " which "}) {
    const size_t p = s.find(sep);
    if (p != std::string::npos && p > 0) s.erase(p);
  }
}

// At most `words` words and `bytes` bytes, cut at a word boundary.
std::string cap(std::string_view s, size_t words, size_t bytes) {
  std::string out;
  size_t n = 0, i = 0;
  while (i < s.size() && n < words) {
    while (i < s.size() && is_space(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i == start) break;
    const std::string_view word = s.substr(start, i - start);
    if (out.size() + 1 + word.size() > bytes) break;
    if (!out.empty()) out += ' ';
    out.append(word);
    ++n;
  }
  return out;
}

std::string clean_item(std::string_view line, bool label) {
  std::string s(trim(line.substr(list_marker(line))));
  strip_pairs(s);
  if (label) {
    cut_explanation(s);
    strip_pairs(s);
  }
  return label ? cap(s, kLabelWords, kLabelBytes) : cap(s, kDescriptionWords, kDescriptionBytes);
}

// "Sure, here it is: a red car" / "Answer: a red car" -> "a red car".
std::string_view drop_lead_in(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line;
  const std::string_view head = line.substr(0, colon + 1);
  for (std::string_view lead : {"answer", "description", "caption"})
    if (starts_with_ci(head, lead)) return trim(line.substr(colon + 1));
  return is_preamble(head) ? trim(line.substr(colon + 1)) : line;
}

std::vector<std::string> split_commas(std::string_view line) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find_first_of(",;", start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view item = trim(line.substr(start, end - start));
    for (std::string_view conj : {"and ", "or "})
      if (starts_with_ci(item, conj)) item.remove_prefix(conj.size());
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::vector<std::string> lenient_items(const std::vector<std::string_view>& lines) {
  std::vector<std::string_view> content, listed;
  for (std::string_view l : lines) {
    const std::string_view rest = drop_lead_in(l);
    if (list_marker(l) > 0) listed.push_back(l);
    else if (rest != l) { if (!rest.empty()) content.push_back(rest); }  // "Sure, here: a, b"
    else if (!is_preamble(l)) content.push_back(l);
  }
  std::vector<std::string> raw;
  if (!listed.empty()) {
    raw.assign(listed.begin(), listed.end());
  } else if (content.size() == 1 && content[0].find_first_of(",;") != std::string_view::npos) {
    raw = split_commas(content[0]);
  } else {
    raw.assign(content.begin(), content.end());
  }
  std::vector<std::string> items;
  for (const auto& r : raw) items.push_back(clean_item(r, true));
  return items;
}

}  // namespace

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p + i, static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0) {  // an invalid byte: drop it and resynchronise at the next one
      ++i;
      continue;
    }
    const bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f;
    if (!control) out.append(text.substr(i, static_cast<size_t>(n)));
    i += static_cast<size_t>(n);
  }
  return out;
}

std::optional<std::string> parse_description(std::string_view raw, MllmParse mode) {
  if (mode == MllmParse::reference) return std::string(trim(raw));
  const std::string text = drop_think_blocks(sanitize_utf8(raw));
  for (std::string_view line : split_lines(text)) {
    if (is_preamble(line) && drop_lead_in(line) == line) continue;
    std::string item = clean_item(drop_lead_in(line), false);
    while (!item.empty() && item.back() == '.') item.pop_back();
    if (!item.empty()) return item;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> parse_similar(std::string_view raw, MllmParse mode,
                                                      std::string_view queried_class, size_t limit) {
  if (mode == MllmParse::reference) return text::parse_numbered(raw, limit);
  const std::string text = drop_think_blocks(sanitize_utf8(raw));
  const std::string self = text::casefold(trim(queried_class));
  std::vector<std::string> kept;
  for (auto& item : lenient_items(split_lines(text))) {
    std::string_view t = trim(item);
    while (!t.empty() && t.back() == '.') t.remove_suffix(1);
    if (!t.empty() && text::casefold(t) != self) kept.emplace_back(t);
  }
  std::vector<std::string> labels = text::normalize_labels(kept);
  if (labels.size() > limit) labels.resize(limit);
  if (labels.empty()) return std::nullopt;
  return labels;
}

}  // namespace ants::mllm
