// `detect --state`: the stream's position and the detector snapshot in one atomically written
// file. Two files (position + snapshot) could disagree after a crash between their writes, and a
// detector one batch ahead of its position scores the next batch differently.
#include <ants/stream.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-util.h"
#include "core/hash.h"

namespace ants {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kMagic[8] = {'A', 'N', 'T', 'S', 'S', 'T', 'R', 'M'};
constexpr uint32_t kVersion = 1;

std::string inputs_hash(const std::vector<std::string>& files) {
  core::Hasher h;
  h.add(static_cast<uint64_t>(files.size()));
  for (const auto& f : files) h.add(f);
  return h.digest().hex();
}

// What a user changed, in words, for the refusal message.
std::string first_difference(const json& saved, const json& now) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"method", "method"},          {"model", "model or precision"}, {"classes", "class list"},
      {"n_classes", "class list"},   {"id_template", "prompt template"}, {"negatives", "negative bank"},
      {"detector", "detector options"}, {"preprocess", "preprocessing"}, {"batch", "batch size"},
      {"inputs", "list of inputs"}};
  for (const auto& [key, words] : kNames) {
    if (saved.value(key, json()) != now.value(key, json())) return words;
  }
  return "setup";
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

std::string stream_setup(const OodScorer& scorer, const ImageEmbedOptions& features, size_t batch,
                         const std::vector<std::string>& files) {
  json j = json::parse(scorer.setup_json());
  const PreprocessParams& p = features.preprocess;
  j["preprocess"] = {{"name", features.preprocess_name}, {"resize", p.resize_size}, {"crop", p.crop_size},
                     {"mean", p.mean},                   {"std", p.std}};
  j["batch"] = batch;
  j["inputs"] = {{"count", files.size()}, {"hash", inputs_hash(files)}};
  return j.dump();
}

void save_checkpoint(const fs::path& path, const StreamCheckpoint& c, const OodScorer& scorer) {
  const std::string head =
      json{{"setup", json::parse(c.setup)}, {"consumed", c.consumed}, {"output_bytes", c.output_bytes}}.dump();
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<uint64_t>(head.size()));
  out += head;
  out += scorer.snapshot_bytes();
  core::write_file_atomic(path, out);
}

std::optional<StreamCheckpoint> load_checkpoint(const fs::path& path, const std::string& setup, OodScorer& scorer) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string bytes = core::read_file(path);
  const std::string where = path.string();
  constexpr size_t kFixed = sizeof kMagic + sizeof(uint32_t) + sizeof(uint64_t);
  if (bytes.size() < kFixed || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    core::fail(ErrorCode::format, where, "not an ants detect state file");
  uint32_t version = 0;
  uint64_t n = 0;
  std::memcpy(&version, bytes.data() + sizeof kMagic, sizeof version);
  std::memcpy(&n, bytes.data() + sizeof kMagic + sizeof version, sizeof n);
  if (version != kVersion) core::fail(ErrorCode::unsupported, where, "state version " + std::to_string(version));
  if (n > bytes.size() - kFixed) core::fail(ErrorCode::format, where, "state file is truncated");
  StreamCheckpoint c;
  try {
    const json head = json::parse(bytes.substr(kFixed, n));
    const json now = json::parse(setup);
    if (head.at("setup") != now) {
      core::fail(ErrorCode::invalid_argument, where,
                 "the state belongs to another " + first_difference(head.at("setup"), now) +
                     " (rerun with the same settings and inputs, or remove the file)");
    }
    c.setup = setup;
    c.consumed = head.at("consumed").get<uint64_t>();
    c.output_bytes = head.at("output_bytes").get<uint64_t>();
  } catch (const json::exception& e) {
    core::fail(ErrorCode::format, where, std::string("corrupt state file: ") + e.what());
  }
  scorer.restore_bytes(std::string_view(bytes).substr(kFixed + n), where);
  return c;
}

}  // namespace ants
