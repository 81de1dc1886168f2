// AntsDetector::snapshot/restore: the whole state in one file, so a long stream can resume after
// a crash with identical scores. A core/file-envelope.h file ("ANTSSNAP", version 2): the head
// holds the setup fingerprint, scalars, histories, labels and VSNL cache; the payload the ENS and
// VSNL bank rows as raw float32 (their row counts are in the head). Version 1 files (the same head
// and payload without the envelope's lengths and checksum) are still read.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-envelope.h"
#include "core/file-util.h"
#include "core/hash.h"
#include "core/json-bytes.h"
#include "ood/detector-state.h"

namespace ants {
namespace {

using nlohmann::json;
constexpr core::EnvelopeFormat kFormat{"ANTSSNAP", 2, 1, "snapshot"};

// Labels, class names and file paths may hold any bytes (a path is a Linux file name, a label
// the MLLM's description of one); they are stored byte-exactly (core/json-bytes.h).
json texts_json(const std::vector<std::string>& texts) {
  json out = json::array();
  for (const auto& t : texts) out.push_back(core::bytes_to_json(t));
  return out;
}

// What must match for a snapshot to continue this detector's stream.
json fingerprint(const ood::DetectorImpl& d) {
  const auto bytes = [](const FeatureMatrix& m) {
    return std::string_view(reinterpret_cast<const char*>(m.data.data()), m.data.size() * sizeof(float));
  };
  return {{"dim", d.id_texts.dim},
          {"classes", texts_json(d.class_names)},
          {"negatives", d.negatives.rows},
          {"id_hash", core::hash_bytes(bytes(d.id_texts)).hex()},
          {"negative_hash", core::hash_bytes(bytes(d.negatives)).hex()},
          {"scale", d.scale}};
}

// Pending ENS candidates as image handles: name, path (empty for images held in memory, whose
// bytes a snapshot does not keep) and the content hash when it is known without reading a file.
json images_json(const std::vector<ImageRef>& images) {
  json out = json::array();
  for (const auto& im : images) {
    out.push_back({{"name", core::bytes_to_json(im.name)},
                   {"path", core::bytes_to_json(im.path.string())},
                   {"hash", im.bytes || !im.hash.empty() ? im.content_hash() : std::string()}});
  }
  return out;
}

json state_json(const ood::DetectorState& s) {
  json cache = json::array();
  for (const auto& [cls, labels] : s.cache) cache.push_back({{"class", cls}, {"labels", texts_json(labels)}});
  return {{"t", s.t},
          {"e", s.e},
          {"gamma", s.gamma},
          {"base_history", s.base_history},
          {"pred_order", s.predictions.order},
          {"pred_counts", s.predictions.counts},
          {"cand_images", images_json(s.cand_files)},
          {"cand_preds", s.cand_preds},
          {"far_rows", s.far.rows},
          {"far_labels", texts_json(s.far_labels)},
          {"near_rows", s.near.rows},
          {"near_labels", texts_json(s.near_labels)},
          {"cache", cache},
          {"far_sum", s.far_sum},
          {"near_sum", s.near_sum},
          {"fused_count", s.fused_count},
          {"lambda", s.lambda},
          {"activation_history", s.activation_history},
          {"images", s.images},
          {"vsnl_updates", s.vsnl_updates},
          {"describe", {s.describe_requests, s.describe_failures}},
          {"similar", {s.similar_requests, s.similar_failures}},
          {"mined_pred_order", s.mined_predictions.order},
          {"mined_pred_counts", s.mined_predictions.counts},
          {"seed", s.seed},
          {"noise_draws", s.noise_draws}};
}

std::vector<std::string> read_texts(const json& j, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& t : j.get_ref<const json::array_t&>()) {
    std::optional<std::string> s = core::bytes_from_json(t);
    if (!s) core::fail(ErrorCode::format, where, "corrupt snapshot: a text is neither a string nor hex bytes");
    out.push_back(std::move(*s));
  }
  return out;
}

ImageRef read_image(const json& j, const std::string& where) {
  const auto name = core::bytes_from_json(j.at("name")), path = core::bytes_from_json(j.at("path"));
  if (!name || !path) core::fail(ErrorCode::format, where, "corrupt snapshot: a candidate image name is not text");
  ImageRef r;
  r.name = *name;
  r.path = *path;
  r.hash = j.at("hash").get<std::string>();
  return r;
}

// A missing or mistyped field throws json::exception, which the caller reports naming the file.
void read_state(const json& j, ood::DetectorState& s, const std::string& where) {
  s.t = j.at("t");
  s.e = j.at("e");
  s.gamma = j.at("gamma");
  s.base_history = j.at("base_history").get<std::vector<float>>();
  s.predictions.order = j.at("pred_order").get<std::vector<int>>();
  s.predictions.counts = j.at("pred_counts").get<std::vector<int64_t>>();
  s.cand_files.clear();
  if (j.contains("cand_images")) {
    for (const auto& im : j.at("cand_images")) s.cand_files.push_back(read_image(im, where));
  } else {  // snapshots before image handles: file paths
    for (auto& f : read_texts(j.at("cand_files"), where)) s.cand_files.push_back(ImageRef::file(f));
  }
  s.cand_preds = j.at("cand_preds").get<std::vector<int>>();
  s.far.rows = j.at("far_rows");
  s.far_labels = read_texts(j.at("far_labels"), where);
  s.near.rows = j.at("near_rows");
  s.near_labels = read_texts(j.at("near_labels"), where);
  s.cache.clear();
  for (const auto& e : j.at("cache")) s.cache.emplace_back(e.at("class"), read_texts(e.at("labels"), where));
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
  // Absent from snapshots taken before the ablation options: empty counts, seed 0, no draws.
  s.mined_predictions.order = j.value("mined_pred_order", std::vector<int>{});
  s.mined_predictions.counts = j.value("mined_pred_counts", std::vector<int64_t>{});
  s.seed = j.value("seed", uint64_t{0});
  s.noise_draws = j.value("noise_draws", int64_t{0});
}

// The banks' rows from the payload, which must hold exactly the rows the head counts; the counts
// are checked against the payload before anything is allocated.
void read_banks(std::string_view payload, int dim, ood::DetectorState& s, const std::string& where) {
  const size_t row_bytes = static_cast<size_t>(dim) * sizeof(float);
  const size_t rows = payload.size() / row_bytes;
  if (s.far.rows > rows || s.near.rows > rows - s.far.rows || (s.far.rows + s.near.rows) * row_bytes != payload.size())
    core::fail(ErrorCode::format, where, "snapshot bank rows do not match its payload size");
  for (FeatureMatrix* bank : {&s.far, &s.near}) {
    bank->dim = dim;
    bank->data.resize(bank->rows * static_cast<size_t>(dim));
    if (!bank->data.empty()) std::memcpy(bank->data.data(), payload.data(), bank->rows * row_bytes);
    payload.remove_prefix(bank->rows * row_bytes);
  }
}

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

// A ClassCounter whose order lists each counted class once, in range, with a positive count.
void check_counter(const ood::ClassCounter& p, size_t n_classes, const std::string& where) {
  const auto bad = [&] { core::fail(ErrorCode::format, where, "corrupt snapshot: prediction order and counts disagree"); };
  if (p.counts.size() > n_classes) bad();
  std::vector<bool> seen(n_classes, false);
  for (int c : p.order) {
    if (c < 0 || static_cast<size_t>(c) >= p.counts.size() || seen[static_cast<size_t>(c)] ||
        p.counts[static_cast<size_t>(c)] <= 0)
      bad();
    seen[static_cast<size_t>(c)] = true;
  }
  for (size_t c = 0; c < p.counts.size(); ++c)
    if (p.counts[c] < 0 || (p.counts[c] > 0 && !seen[c])) bad();
}

// What the detector relies on about its state, which a file made by hand, or damaged behind a
// recomputed checksum, may break: class indices in range, counts that agree, finite numbers.
void check_state(const ood::DetectorState& s, size_t n_classes, const std::string& where) {
  const auto bad = [&](const std::string& what) { core::fail(ErrorCode::format, where, "corrupt snapshot: " + what); };
  const auto is_class = [&](int c) { return c >= 0 && static_cast<size_t>(c) < n_classes; };
  if (s.t < 0 || s.e < 0 || s.images < 0 || s.vsnl_updates < 0 || s.fused_count < 0 || s.describe_requests < 0 ||
      s.describe_failures < 0 || s.similar_requests < 0 || s.similar_failures < 0)
    bad("negative counter");
  if (!std::isfinite(s.gamma) || !std::isfinite(s.lambda) || !std::isfinite(s.far_sum) || !std::isfinite(s.near_sum) ||
      !all_finite(s.base_history) || !all_finite(s.activation_history))
    bad("a score or statistic is not finite");
  if (s.noise_draws < 0) bad("negative counter");
  check_counter(s.predictions, n_classes, where);
  check_counter(s.mined_predictions, n_classes, where);
  if (s.cand_preds.size() != s.cand_files.size() || !std::all_of(s.cand_preds.begin(), s.cand_preds.end(), is_class))
    bad("candidate images and predictions disagree");
  for (const auto& [cls, labels] : s.cache)
    if (!is_class(cls)) bad("VSNL cache names class " + std::to_string(cls));
}

}  // namespace

std::string AntsDetector::snapshot_bytes() const {
  std::string banks;
  for (const FeatureMatrix* bank : {&impl_->s.far, &impl_->s.near})
    banks.append(reinterpret_cast<const char*>(bank->data.data()), bank->data.size() * sizeof(float));
  return core::encode_envelope(kFormat, {{"setup", fingerprint(*impl_)}, {"state", state_json(impl_->s)}}, banks);
}

void AntsDetector::snapshot(const std::filesystem::path& path) const { core::write_file_atomic(path, snapshot_bytes()); }

void AntsDetector::restore(const std::filesystem::path& path) { restore_bytes(core::read_file(path), path.string()); }

void AntsDetector::restore_bytes(std::string_view bytes, const std::string& where) {
  const core::Envelope env = core::decode_envelope(bytes, kFormat, where);
  ood::DetectorState s;
  try {
    if (env.head.at("setup") != fingerprint(*impl_))
      core::fail(ErrorCode::invalid_argument, where, "snapshot was taken with other ID classes, negatives or model");
    read_state(env.head.at("state"), s, where);
  } catch (const json::exception& e) {
    core::fail(ErrorCode::format, where, std::string("corrupt snapshot: ") + e.what());
  }
  read_banks(env.payload, impl_->id_texts.dim, s, where);
  if (s.far_labels.size() != s.far.rows || s.near_labels.size() != s.near.rows)
    core::fail(ErrorCode::format, where, "snapshot bank and label counts differ");
  check_state(s, impl_->class_names.size(), where);
  if (impl_->mllm != nullptr) impl_->mllm->poll();  // late answers belong to the stream before
  impl_->s = std::move(s);
}

}  // namespace ants
