#include "ood/csp-pool.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include <ants/negatives.h>

#include "ood/python-random.h"
#include "text/strings.h"

namespace ants::ood {

namespace {

enum class Part { noun, adjective, none };

Part part_of(std::string_view file_name) {
  const std::string_view type = file_name.substr(0, file_name.find('.'));
  if (type == "noun") return Part::noun;
  if (type == "adj") return Part::adjective;
  return Part::none;
}

// Python's readlines(): pieces ending in '\n', plus a last piece without one if not empty.
std::vector<std::string_view> lines_of(std::string_view content) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < content.size()) {
    const size_t nl = content.find('\n', start);
    const size_t end = nl == std::string_view::npos ? content.size() : nl + 1;
    out.push_back(content.substr(start, end - start));
    start = end;
  }
  return out;
}

}  // namespace

std::vector<std::string> ensemble_prompts(const std::vector<std::string>& templates, const std::vector<std::string>& words) {
  std::vector<std::string> out;
  out.reserve(templates.size() * words.size());
  for (const auto& w : words)
    for (const auto& t : templates) out.push_back(apply_template(t, w));
  return out;
}

const std::vector<std::string>& csp_noun_templates() {
  static const std::vector<std::string> t{"a close-up photo of the nice {}.", "a photo with the nice {}.",
                                          "a good photo with the nice {}.",  "a photo of the nice {}.",
                                          "{}",                              "the {}",
                                          "the good {}",                     "the nice {}"};
  return t;
}

const std::vector<std::string>& csp_carrier_templates() {
  static const std::vector<std::string> t{"{} environment", "{} space",     "{} object",    "{} scene",     "{} place",
                                          "{} item",        "{} area",      "{} view",      "{} thing",     "{} pattern",
                                          "{} structure",   "{} landscape", "{} vista",     "{} creature"};
  return t;
}

const std::vector<std::string>& csp_adjective_templates() {
  static const std::vector<std::string> t{"{}", "a nice photo of {}", "a good photo of {}", "a close-up photo of {}"};
  return t;
}

std::vector<std::string> CspPool::prompts_of_nouns() const { return ensemble_prompts(csp_noun_templates(), nouns); }
std::vector<std::string> CspPool::prompts_of_adjectives() const {
  return ensemble_prompts(csp_adjective_templates(), adjectives);
}

CspPool build_csp_pool(const std::vector<CorpusFile>& files, const std::vector<std::string>& exclude, uint32_t seed) {
  CspPool pool;
  PythonRandom rng(seed);
  const auto& carriers = csp_carrier_templates();
  std::unordered_set<std::string> seen;
  for (const auto& f : files) {
    const Part part = part_of(f.name);
    if (part == Part::none || std::find(exclude.begin(), exclude.end(), f.name) != exclude.end()) continue;
    for (std::string_view raw : lines_of(f.content)) {
      std::string line(raw);
      std::replace(line.begin(), line.end(), '_', ' ');
      std::string word(text::trim(line));
      if (!seen.insert(word).second) continue;
      if (part == Part::noun) {
        pool.nouns.push_back(std::move(word));
      } else {
        pool.adjectives.push_back(apply_template(carriers[rng.randbelow(carriers.size())], word));
      }
    }
  }
  return pool;
}

}  // namespace ants::ood
