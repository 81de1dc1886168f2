#include "mllm/prompts.h"

#include <ants/mllm-client.h>

#include "core/embedded-file.h"
#include "core/error.h"
#include "core/file-util.h"
#include "core/hash.h"

ANTS_EMBED_FILE(ants_prompt_system, ANTS_PROMPT_DIR "/system.txt");
ANTS_EMBED_FILE(ants_prompt_ens, ANTS_PROMPT_DIR "/ens.txt");
ANTS_EMBED_FILE(ants_prompt_vsnl, ANTS_PROMPT_DIR "/vsnl.txt");
ANTS_EMBED_FILE(ants_prompt_ens_short, ANTS_PROMPT_DIR "/ens-short.txt");
ANTS_EMBED_FILE(ants_prompt_vsnl_dissimilar, ANTS_PROMPT_DIR "/vsnl-dissimilar.txt");
ANTS_EMBED_FILE(ants_prompt_eoe_far, ANTS_PROMPT_DIR "/eoe-far.txt");
ANTS_EMBED_FILE(ants_prompt_eoe_far_again, ANTS_PROMPT_DIR "/eoe-far-again.txt");
ANTS_EMBED_FILE(ants_prompt_eoe_near, ANTS_PROMPT_DIR "/eoe-near.txt");

namespace ants::mllm {
namespace {

constexpr std::string_view kClass = "{class}";

PromptTemplate make_template(std::string_view name, std::string text) {
  PromptTemplate t{std::string(name), std::move(text), {}};
  t.hash = core::hash_bytes(t.text).hex();
  return t;
}

std::string trim_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string_view::npos; pos = hit + from.size())
    out.append(s.substr(pos, hit - pos)).append(to);
  return out.append(s.substr(pos));
}

std::vector<std::string_view> variant_names(std::string_view name) {
  if (name == "ens") return {"short"};
  if (name == "vsnl") return {"dissimilar"};
  return {};
}

PromptTemplate builtin_template(std::string_view name) {
  if (name == "system") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_system)));
  if (name == "ens") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_ens)));
  if (name == "vsnl") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_vsnl)));
  if (name == "ens-short") return make_template("ens", std::string(ANTS_EMBEDDED_BYTES(ants_prompt_ens_short)));
  if (name == "vsnl-dissimilar")
    return make_template("vsnl", std::string(ANTS_EMBEDDED_BYTES(ants_prompt_vsnl_dissimilar)));
  if (name == "eoe-far") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_eoe_far)));
  if (name == "eoe-far-again") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_eoe_far_again)));
  if (name == "eoe-near") return make_template(name, std::string(ANTS_EMBEDDED_BYTES(ants_prompt_eoe_near)));
  core::fail(ErrorCode::invalid_argument, "prompt", "no built-in template named '" + std::string(name) + "'");
}

PromptTemplate load_template(std::string_view name, const std::filesystem::path& file, bool require_class) {
  if (file.empty() || file == "default") return builtin_template(name);
  for (const std::string_view variant : variant_names(name)) {
    if (file != variant) continue;
    PromptTemplate t = builtin_template(std::string(name) + "-" + std::string(variant));
    t.origin = std::string(variant);
    return t;
  }
  std::string text = core::read_file(file);
  if (trim_end(text).empty()) core::fail(ErrorCode::invalid_argument, file.string(), "prompt template is empty");
  if (require_class && text.find(kClass) == std::string::npos)
    core::fail(ErrorCode::invalid_argument, file.string(), "prompt template has no {class} placeholder");
  PromptTemplate t = make_template(name, std::move(text));
  t.origin = "file " + file.string() + " " + t.hash.substr(0, 12);
  return t;
}

std::string render_prompt(const PromptTemplate& t, std::string_view cls) {
  if (!cls.empty()) return trim_end(replace_all(t.text, kClass, cls));
  std::string out;
  size_t start = 0;
  while (start < t.text.size()) {
    size_t end = t.text.find('\n', start);
    end = end == std::string::npos ? t.text.size() : end + 1;
    const std::string_view line(t.text.data() + start, end - start);
    if (line.find(kClass) == std::string_view::npos) out.append(line);
    start = end;
  }
  return trim_end(out);
}

}  // namespace ants::mllm

namespace ants {

std::string builtin_prompt(const std::string& name) { return mllm::builtin_template(name).text; }

}  // namespace ants
