// ID class lists: one name per line.
#include <ants/negatives.h>

#include <unordered_map>

#include "core/error.h"
#include "core/file-util.h"

namespace ants {

namespace {

std::string_view strip(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

}  // namespace

std::vector<std::string> read_class_list(const std::filesystem::path& path, std::vector<std::string>* warnings) {
  std::string text = core::read_file(path);
  std::string_view rest = text;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  std::vector<std::string> names;
  std::unordered_map<std::string, size_t> first_line;
  for (size_t line_no = 1; !rest.empty(); ++line_no) {
    const size_t nl = rest.find('\n');
    const std::string_view name = strip(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (name.empty() || name.starts_with('#')) continue;
    auto [it, fresh] = first_line.emplace(std::string(name), line_no);
    if (!fresh && warnings != nullptr) {
      warnings->push_back(path.string() + ":" + std::to_string(line_no) + ": class '" + it->first +
                          "' also on line " + std::to_string(it->second) + "; kept as a distinct class");
    }
    names.emplace_back(name);
  }
  if (names.empty()) core::fail(ErrorCode::format, path.string(), "no class names");
  return names;
}

}  // namespace ants
