// AntsDetector::snapshot/restore: the whole state in one versioned file, so a long stream can
// resume after a crash with identical scores. Layout: "ANTSSNAP", u32 version, u64 n, n bytes of
// JSON (setup fingerprint, scalars, histories, labels, cache), then the ENS and VSNL bank rows
// as raw float32 (their row counts are in the JSON).
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-util.h"
#include "core/hash.h"
#include "ood/detector-state.h"

namespace ants {
namespace {

using nlohmann::json;
constexpr char kMagic[8] = {'A', 'N', 'T', 'S', 'S', 'N', 'A', 'P'};
constexpr uint32_t kVersion = 1;

// What must match for a snapshot to continue this detector's stream.
json fingerprint(const ood::DetectorImpl& d) {
  const auto bytes = [](const FeatureMatrix& m) {
    return std::string_view(reinterpret_cast<const char*>(m.data.data()), m.data.size() * sizeof(float));
  };
  return {{"dim", d.id_texts.dim},
          {"classes", d.class_names},
          {"negatives", d.negatives.rows},
          {"id_hash", core::hash_bytes(bytes(d.id_texts)).hex()},
          {"negative_hash", core::hash_bytes(bytes(d.negatives)).hex()},
          {"scale", d.scale}};
}

json state_json(const ood::DetectorState& s) {
  std::vector<std::string> files;
  for (const auto& f : s.cand_files) files.push_back(f.path.empty() ? f.name : f.path.string());
  json cache = json::array();
  for (const auto& [cls, labels] : s.cache) cache.push_back({{"class", cls}, {"labels", labels}});
  return {{"t", s.t},
          {"e", s.e},
          {"gamma", s.gamma},
          {"base_history", s.base_history},
          {"pred_order", s.predictions.order},
          {"pred_counts", s.predictions.counts},
          {"cand_files", files},
          {"cand_preds", s.cand_preds},
          {"far_rows", s.far.rows},
          {"far_labels", s.far_labels},
          {"near_rows", s.near.rows},
          {"near_labels", s.near_labels},
          {"cache", cache},
          {"far_sum", s.far_sum},
          {"near_sum", s.near_sum},
          {"fused_count", s.fused_count},
          {"lambda", s.lambda},
          {"activation_history", s.activation_history},
          {"images", s.images},
          {"vsnl_updates", s.vsnl_updates},
          {"describe", {s.describe_requests, s.describe_failures}},
          {"similar", {s.similar_requests, s.similar_failures}}};
}

void read_state(const json& j, ood::DetectorState& s) {
  s.t = j.at("t");
  s.e = j.at("e");
  s.gamma = j.at("gamma");
  s.base_history = j.at("base_history").get<std::vector<float>>();
  s.predictions.order = j.at("pred_order").get<std::vector<int>>();
  s.predictions.counts = j.at("pred_counts").get<std::vector<int64_t>>();
  s.cand_files.clear();
  for (const auto& f : j.at("cand_files")) s.cand_files.push_back(ImageRef::file(f.get<std::string>()));
  s.cand_preds = j.at("cand_preds").get<std::vector<int>>();
  s.far.rows = j.at("far_rows");
  s.far_labels = j.at("far_labels").get<std::vector<std::string>>();
  s.near.rows = j.at("near_rows");
  s.near_labels = j.at("near_labels").get<std::vector<std::string>>();
  s.cache.clear();
  for (const auto& e : j.at("cache")) s.cache.emplace_back(e.at("class"), e.at("labels").get<std::vector<std::string>>());
  s.far_sum = j.at("far_sum");
  s.near_sum = j.at("near_sum");
  s.fused_count = j.at("fused_count");
  s.lambda = j.at("lambda");
  s.activation_history = j.at("activation_history").get<std::vector<float>>();
  s.images = j.at("images");
  s.vsnl_updates = j.at("vsnl_updates");
  s.describe_requests = j.at("describe").at(0);
  s.describe_failures = j.at("describe").at(1);
  s.similar_requests = j.at("similar").at(0);
  s.similar_failures = j.at("similar").at(1);
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from a bounds-checked cursor; every overrun is a format error naming the file.
struct Reader {
  std::string_view bytes;
  std::string where;
  size_t pos = 0;
  void take(void* dst, size_t n) {
    if (n > bytes.size() - pos) core::fail(ErrorCode::format, where, "snapshot is truncated");
    std::memcpy(dst, bytes.data() + pos, n);
    pos += n;
  }
};

void read_bank(Reader& r, FeatureMatrix& bank, int dim) {
  bank.dim = dim;
  if (bank.rows > (r.bytes.size() - r.pos) / sizeof(float) / static_cast<size_t>(dim))
    core::fail(ErrorCode::format, r.where, "snapshot is truncated");
  bank.data.resize(bank.rows * static_cast<size_t>(dim));
  r.take(bank.data.data(), bank.data.size() * sizeof(float));
}

}  // namespace

std::string AntsDetector::snapshot_bytes() const {
  const json j = {{"setup", fingerprint(*impl_)}, {"state", state_json(impl_->s)}};
  const std::string text = j.dump();
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<uint64_t>(text.size()));
  out += text;
  for (const FeatureMatrix* bank : {&impl_->s.far, &impl_->s.near})
    out.append(reinterpret_cast<const char*>(bank->data.data()), bank->data.size() * sizeof(float));
  return out;
}

void AntsDetector::snapshot(const std::filesystem::path& path) const { core::write_file_atomic(path, snapshot_bytes()); }

void AntsDetector::restore(const std::filesystem::path& path) { restore_bytes(core::read_file(path), path.string()); }

void AntsDetector::restore_bytes(std::string_view bytes, const std::string& where) {
  Reader r{bytes, where};
  char magic[sizeof kMagic];
  uint32_t version = 0;
  uint64_t n = 0;
  r.take(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) core::fail(ErrorCode::format, r.where, "not an ants snapshot");
  r.take(&version, sizeof version);
  if (version != kVersion)
    core::fail(ErrorCode::unsupported, r.where, "snapshot version " + std::to_string(version) + ", expected " + std::to_string(kVersion));
  r.take(&n, sizeof n);
  if (n > bytes.size() - r.pos) core::fail(ErrorCode::format, r.where, "snapshot is truncated");
  ood::DetectorState s;
  try {
    const json j = json::parse(r.bytes.substr(r.pos, n));
    if (j.at("setup") != fingerprint(*impl_))
      core::fail(ErrorCode::invalid_argument, r.where, "snapshot was taken with other ID classes, negatives or model");
    read_state(j.at("state"), s);
  } catch (const json::exception& e) {
    core::fail(ErrorCode::format, r.where, std::string("corrupt snapshot: ") + e.what());
  }
  r.pos += n;
  read_bank(r, s.far, impl_->id_texts.dim);
  read_bank(r, s.near, impl_->id_texts.dim);
  if (s.far_labels.size() != s.far.rows || s.near_labels.size() != s.near.rows)
    core::fail(ErrorCode::format, r.where, "snapshot bank and label counts differ");
  impl_->s = std::move(s);
}

}  // namespace ants
