// AdaNegDetector::snapshot_bytes/restore_bytes: the memories in one core/file-envelope.h file
// ("ANTSADNG", version 1). The head holds the setup fingerprint, the batch count and each stored
// slot's label and entropy, in label then slot order; the payload their features as raw float32.
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-envelope.h"
#include "core/hash.h"
#include "ood/adaneg.h"

namespace ants::ood {

namespace {
using nlohmann::json;
constexpr core::EnvelopeFormat kFormat{"ANTSADNG", 1, 0, "AdaNeg snapshot"};
}  // namespace

// What must match for a snapshot to continue this detector's stream.
std::string AdaNegDetector::fingerprint() const {
  const std::string_view texts(reinterpret_cast<const char*>(text_.data.data()), text_.data.size() * sizeof(float));
  return json{{"texts", core::hash_bytes(texts).hex()}, {"n_id", n_id_}, {"labels", text_.rows}, {"dim", text_.dim},
              {"scale", scale_}, {"thres", opt_.thres}, {"gap", opt_.gap}, {"memory", opt_.memory},
              {"lambda", opt_.lambda}, {"beta", opt_.beta}, {"groups", opt_.groups}, {"samada", opt_.samada},
              {"score", static_cast<int>(opt_.score)}, {"permute", permute_}}
      .dump();
}

std::string AdaNegDetector::snapshot_bytes() const {
  json slots = json::array();
  std::string payload;
  for (size_t l = 0; l < memory_.size(); ++l) {
    for (const Slot& s : memory_[l]) {
      slots.push_back({l, s.entropy});
      payload.append(reinterpret_cast<const char*>(s.feature.data()), s.feature.size() * sizeof(float));
    }
  }
  const json head{{"fingerprint", fingerprint()}, {"batches", batches_}, {"images", images_}, {"slots", std::move(slots)}};
  return core::encode_envelope(kFormat, head, payload);
}

void AdaNegDetector::restore_bytes(std::string_view bytes, const std::string& where) {
  const core::Envelope e = core::decode_envelope(bytes, kFormat, where);
  const auto bad = [&](const std::string& why) { core::fail(ErrorCode::format, where, why); };
  if (!e.head.contains("fingerprint") || e.head["fingerprint"] != fingerprint())
    bad("written by AdaNeg with other texts or options");
  const json& slots = e.head.value("slots", json());
  const json& batches = e.head.value("batches", json());
  const json& images = e.head.value("images", json());
  if (!slots.is_array() || !batches.is_number_integer() || batches.get<int64_t>() < 0 || !images.is_number_integer() ||
      images.get<int64_t>() < 0)
    bad("damaged AdaNeg snapshot head");
  const size_t dim = static_cast<size_t>(text_.dim), capacity = static_cast<size_t>(opt_.memory - 1);
  if (e.payload.size() != slots.size() * dim * sizeof(float)) bad("AdaNeg snapshot payload does not match its slots");
  std::vector<std::vector<Slot>> memory(text_.rows);
  size_t at = 0;
  for (const json& s : slots) {
    if (!s.is_array() || s.size() != 2 || !s[0].is_number_unsigned() || !s[1].is_number()) bad("damaged AdaNeg slot");
    const size_t label = s[0].get<size_t>();
    const double h = s[1].get<double>();
    if (label >= memory.size() || memory[label].size() >= capacity || !(h >= 0 && h < 1e30)) bad("AdaNeg slot out of range");
    Slot slot{std::vector<float>(dim), static_cast<float>(h)};
    std::memcpy(slot.feature.data(), e.payload.data() + at, dim * sizeof(float));
    at += dim * sizeof(float);
    for (float x : slot.feature) {
      if (!std::isfinite(x)) bad("AdaNeg slot holds NaN or Inf");
    }
    memory[label].push_back(std::move(slot));
  }
  memory_ = std::move(memory);
  batches_ = batches.get<int64_t>();
  images_ = images.get<int64_t>();
}

}  // namespace ants::ood
