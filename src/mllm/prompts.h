// The prompt templates of the MLLM client (method.md §5): built in from data/prompts, or read from a
// file the user names, and their substitution.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ants::mllm {

struct PromptTemplate {
  std::string name;  // "ens", "vsnl", "system" (for messages)
  std::string text;
  std::string hash;  // hex content hash, part of every cache key
  // What the user chose: "default", a variant name ("short"), or "file <path> <first 12 hex of
  // the hash>" for a template file.
  std::string origin = "default";
};

// The built-in template `name` ("system", "ens", "vsnl", or a variant "ens-short",
// "vsnl-dissimilar"; a variant keeps its kind's name; EOE's "eoe-far", "eoe-far-again", "eoe-near"). Throws Error(invalid_argument) for another.
PromptTemplate builtin_template(std::string_view name);
// The built-in variants of kind `name` besides "default" (data/prompts/README.md): ens: "short";
// vsnl: "dissimilar".
std::vector<std::string_view> variant_names(std::string_view name);
// The built-in template when `file` is empty, "default" or a variant name of `name`; else the
// file (Error(io) naming it when unreadable, Error(invalid_argument) when empty or, with
// require_class, lacking "{class}").
PromptTemplate load_template(std::string_view name, const std::filesystem::path& file, bool require_class);

// Every "{class}" replaced by `cls`. With an empty `cls`, lines holding "{class}" are left out
// (a describe prompt without a class to avoid). Trailing whitespace of the result is trimmed.
std::string render_prompt(const PromptTemplate& t, std::string_view cls);

// `s` with every occurrence of `from` replaced by `to`.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);

}  // namespace ants::mllm
