// `detect --state`: the stream's position and the detector snapshot in one atomically written
// file. Two files (position + snapshot) could disagree after a crash between their writes, and a
// detector one batch ahead of its position scores the next batch differently.
// A core/file-envelope.h file ("ANTSSTRM", version 2): the head holds the setup and the position,
// the payload the scorer's snapshot_bytes(). Version 1 files (the same head and payload without
// the envelope's lengths and checksum) are still read, so a stream saved before resumes.
#include <ants/stream.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-envelope.h"
#include "core/file-util.h"
#include "core/hash.h"

namespace ants {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr core::EnvelopeFormat kFormat{"ANTSSTRM", 2, 1, "detect state"};

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
      {"detector", "detector options"}, {"adaneg", "AdaNeg options"}, {"csp", "CSP options"}, {"eoe", "EOE options or envisioned names"}, {"preprocess", "preprocessing"}, {"batch", "batch size"},
      {"inputs", "list of inputs"}};
  for (const auto& [key, words] : kNames) {
    if (saved.value(key, json()) != now.value(key, json())) return words;
  }
  return "setup";
}

// A setup is always stream_setup()'s text; anything else is the caller's mistake.
json parse_setup(const std::string& setup) {
  json j = json::parse(setup, nullptr, false);
  if (j.is_discarded() || !j.is_object()) core::fail(ErrorCode::invalid_argument, "stream setup", "not a JSON object");
  return j;
}

}  // namespace

std::string stream_setup(const OodScorer& scorer, const ImageEmbedOptions& features, size_t batch,
                         const std::vector<std::string>& files) {
  json j = parse_setup(scorer.setup_json());
  const PreprocessParams& p = features.preprocess;
  j["preprocess"] = {{"name", features.preprocess_name}, {"resize", p.resize_size}, {"crop", p.crop_size},
                     {"mean", p.mean},                   {"std", p.std}};
  j["batch"] = batch;
  j["inputs"] = {{"count", files.size()}, {"hash", inputs_hash(files)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void save_checkpoint(const fs::path& path, const StreamCheckpoint& c, const OodScorer& scorer) {
  json head{{"setup", parse_setup(c.setup)}, {"consumed", c.consumed}, {"output_bytes", c.output_bytes}};
  if (!c.extra.empty()) {
    head["extra"] = json::parse(c.extra, nullptr, false);
    if (head["extra"].is_discarded()) core::fail(ErrorCode::invalid_argument, path.string(), "checkpoint extra is not JSON");
  }
  core::write_envelope(path, kFormat, head, scorer.snapshot_bytes());
}

std::optional<StreamCheckpoint> load_checkpoint(const fs::path& path, const std::string& setup, OodScorer& scorer) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string bytes = core::read_file(path);
  const std::string where = path.string();
  const core::Envelope env = core::decode_envelope(bytes, kFormat, where);
  const json now = parse_setup(setup);
  StreamCheckpoint c;
  try {
    if (env.head.at("setup") != now) {
      core::fail(ErrorCode::invalid_argument, where,
                 "the state belongs to another " + first_difference(env.head.at("setup"), now) +
                     " (rerun with the same settings and inputs, or remove the file)");
    }
    c.setup = setup;
    c.consumed = env.head.at("consumed").get<uint64_t>();
    c.output_bytes = env.head.at("output_bytes").get<uint64_t>();
    if (env.head.contains("extra")) c.extra = env.head.at("extra").dump();
  } catch (const json::exception& e) {
    core::fail(ErrorCode::format, where, std::string("corrupt state file: ") + e.what());
  }
  scorer.restore_bytes(env.payload, where);
  return c;
}

}  // namespace ants
