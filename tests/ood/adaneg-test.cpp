// AdaNeg against its authors' own postprocessor (TTAPromptPostprocessor_noadagap, run by
// scripts/gen-adaneg-goldens.py on a scripted 640-image stream; tests/data/adaneg-goldens.json):
// every configuration's scores to 1e-4 and predictions exactly, memory fill and eviction included.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-envelope.h"
#include "ood/adaneg.h"
#include "test-util.h"

namespace ants::ood {
namespace {

using nlohmann::json;

json adaneg_goldens() { return test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/adaneg-goldens.json"); }

FeatureMatrix adaneg_matrix(const json& rows) {
  FeatureMatrix m;
  m.rows = rows.size();
  m.dim = static_cast<int>(rows[0].size());
  for (const auto& r : rows) {
    for (const auto& x : r) m.data.push_back(x.get<float>());
  }
  return m;
}

AdaNegOptions adaneg_options_of(const json& a) {
  AdaNegOptions o;
  o.thres = a["thres"];
  o.gap = a["gap"];
  o.memory = a["memleng"];
  o.lambda = a["lambdaval"];
  o.beta = a["beta"];
  o.groups = a["group_num"];
  o.samada = a["samada"];
  const std::string s = a["in_score"];
  o.score = s == "adaonly" ? AdaNegScore::adaonly : s == "vanillaonly" ? AdaNegScore::vanillaonly
            : s == "multiply" ? AdaNegScore::multiply : AdaNegScore::combine;
  return o;
}

TEST(AdaNeg, EveryConfigurationMatchesTheAuthorsPostprocessor) {
  const json g = adaneg_goldens();
  const FeatureMatrix images = adaneg_matrix(g["image_features"]);
  const size_t batch = g["batch_size"];
  for (const auto& run : g["runs"]) {
    SCOPED_TRACE(run["name"].get<std::string>());
    AdaNegDetector det(adaneg_matrix(g["id_features"]), adaneg_matrix(g["negative_features"]), g["scale"].get<float>(), adaneg_options_of(run["args"]),
                       run["args"]["random_permute"].get<bool>());
    std::vector<AdaNegResult> got;
    for (size_t b = 0; b < images.rows; b += batch) {
      FeatureMatrix part;
      part.dim = images.dim;
      part.rows = std::min(batch, images.rows - b);
      part.data.assign(images.row(b), images.row(b) + part.rows * images.dim);
      for (const AdaNegResult& r : det.update(part)) got.push_back(r);
    }
    ASSERT_EQ(got.size(), run["score"].size());
    size_t bad = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double want = run["score"][i];
      if (std::fabs(got[i].score - want) > 1e-4 || got[i].pred != run["pred"][i].get<int>()) {
        if (++bad <= 5) ADD_FAILURE() << "image " << i << ": score " << got[i].score << " vs " << want << ", pred " << got[i].pred << " vs " << run["pred"][i];
      }
    }
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(det.labels_with_images(), run["labels_with_images"].get<size_t>());
    EXPECT_EQ(det.full_labels(), run["labels_full"].get<size_t>());
    det.reset();
    EXPECT_EQ(det.labels_with_images(), 0u);
  }
}

// Half the stream, a snapshot, a fresh detector restored from it, the other half: the same
// scores as one uninterrupted stream (memories with evictions included).
TEST(AdaNeg, ASnapshotContinuesTheStream) {
  const json g = adaneg_goldens();
  const json& run = g["runs"][1];  // short-memory: full memories and evictions by the middle
  const FeatureMatrix images = adaneg_matrix(g["image_features"]);
  const size_t batch = g["batch_size"], half = images.rows / 2;
  auto make = [&] { return AdaNegDetector(adaneg_matrix(g["id_features"]), adaneg_matrix(g["negative_features"]), 100.f, adaneg_options_of(run["args"])); };
  auto slice = [&](size_t b) {
    FeatureMatrix part{std::min(batch, images.rows - b), images.dim, {}};
    part.data.assign(images.row(b), images.row(b) + part.rows * images.dim);
    return part;
  };
  AdaNegDetector first = make();
  for (size_t b = 0; b < half; b += batch) first.update(slice(b));
  ASSERT_GT(first.full_labels(), 0u);
  const std::string bytes = first.snapshot_bytes();
  AdaNegDetector second = make();
  second.restore_bytes(bytes, "snap");
  EXPECT_EQ(second.images_held(), first.images_held());
  EXPECT_EQ(second.batches(), first.batches());
  for (size_t b = half; b < images.rows; b += batch) {
    const auto a = first.update(slice(b)), c = second.update(slice(b));
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].score, c[i].score);
      EXPECT_EQ(a[i].pred, c[i].pred);
    }
  }
  // Another setup, or damaged bytes, are refused with the file's name.
  AdaNegOptions other = adaneg_options_of(run["args"]);
  other.memory += 1;
  AdaNegDetector third(adaneg_matrix(g["id_features"]), adaneg_matrix(g["negative_features"]), 100.f, other);
  EXPECT_THROW(third.restore_bytes(bytes, "snap"), Error);
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x40;
  try {
    second.restore_bytes(damaged, "snap.state");
    FAIL() << "restored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("snap.state"), std::string::npos) << e.what();
  }
}

// Snapshots with a valid checksum but an impossible content are refused, never trusted.
TEST(AdaNeg, RestoreRefusesInconsistentSnapshots) {
  const json g = adaneg_goldens();
  AdaNegOptions o;
  o.memory = 3;
  AdaNegDetector det(adaneg_matrix(g["id_features"]), adaneg_matrix(g["negative_features"]), 100.f, o);
  const json head = json::parse(core::decode_envelope(det.snapshot_bytes(), {"ANTSADNG", 1, 0, "x"}, "x").head.dump());
  const int dim = adaneg_matrix(g["id_features"]).dim;
  const std::string one(static_cast<size_t>(dim) * sizeof(float), '\0');
  const auto with = [&](json slots, const std::string& payload, json batches = 1) {
    json h = head;
    h["slots"] = std::move(slots);
    h["batches"] = std::move(batches);
    return core::encode_envelope({"ANTSADNG", 1, 0, "x"}, h, payload);
  };
  det.restore_bytes(with(json::array({json::array({3, 0.5})}), one), "ok");  // a well-formed one
  EXPECT_EQ(det.images_held(), 1u);
  const std::vector<std::string> bad = {
      with(json::array({json::array({100000, 0.5})}), one),                                  // no such label
      with(json::array({json::array({3, 0.5})}), one + one),                                 // payload too long
      with(json::array({json::array({3, 0.5}), json::array({3, 0.4}), json::array({3, 0.3})}), one + one + one),  // over capacity
      with(json::array({json::array({3, -1.0})}), one),                                      // negative entropy
      with(json::array({json::array({3, 0.5})}), one, -4),                                   // negative batch count
      with(json::array({json::array({3})}), one),                                            // malformed slot
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_THROW(det.restore_bytes(bad[i], "bad"), Error) << i;
    EXPECT_EQ(det.images_held(), 1u) << i;  // a refused file changes nothing
  }
}

TEST(AdaNeg, TooFewNegativesForTheGroupsIsRefused) {
  const json g = adaneg_goldens();
  FeatureMatrix neg = adaneg_matrix(g["negative_features"]);
  neg.rows = 4;
  neg.data.resize(4 * static_cast<size_t>(neg.dim));
  EXPECT_THROW(AdaNegDetector(adaneg_matrix(g["id_features"]), neg, 100.f, AdaNegOptions{}), Error);
}

}  // namespace
}  // namespace ants::ood
