// A tiny CLIP, demo ID images and OOD textures (one of them unreadable), and scorer and eval
// options whose ANTS detector fires within a few batches: what the pipeline tests share.
#pragma once

#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/file-envelope.h"
#include "core/file-util.h"
#include "ood/fake-mllm.h"
#include "test-paths.h"

namespace ants::test {

namespace fs = std::filesystem;

class PipelineModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClipParams p = clip_default_params();
    p.precision = Precision::fp32;
    model_ = ClipModel::load(test::tiny_model_dir(), p).release();
    // The ~72k NegLabel candidate embeddings are setup here, computed once per build tree.
    text_cache_ = new fs::path(test::shared_text_cache());
  }
  static void TearDownTestSuite() {
    delete model_;
    delete text_cache_;
  }

  void SetUp() override {
    dir_ = test::temp_dir();
    id_ = write_demo_images(dir_ / "images", 24, 16);
    for (const auto& f : collect_image_files({(dir_ / "images" / "ood").string()})) ood_.push_back({f, kOodLabel});
    core::write_file_atomic(dir_ / "images" / "ood" / "broken.png", "not an image");
    ood_.push_back({(dir_ / "images" / "ood" / "broken.png").string(), kOodLabel});
  }

  ScorerOptions scorer_options() const {
    ScorerOptions o;
    o.neglabel.count = 300;
    o.neglabel.cache.dir = *text_cache_;
    o.detector.min_candidates = 5;
    o.detector.near_start_batch = 2;
    o.detector.near_interval = 2;
    return o;
  }
  // The OOD images then the ID images, as one stream of files.
  std::vector<std::string> ood_then_id_files() const {
    std::vector<std::string> files;
    for (const auto* set : {&ood_, &id_})
      for (const auto& im : *set) files.push_back(im.file);
    return files;
  }
  EvalOptions eval_options() const {
    EvalOptions e;
    e.seeds = {0, 3};
    e.batch = 8;
    e.features.preprocess = preprocess_preset(*model_, "openood");
    e.features.preprocess_name = "openood";
    e.features.cache.dir = dir_ / "cache";
    return e;
  }

  static ClipModel* model_;
  static fs::path* text_cache_;
  fs::path dir_;
  std::vector<LabeledImage> id_, ood_;
};
inline ClipModel* PipelineModel::model_ = nullptr;
inline fs::path* PipelineModel::text_cache_ = nullptr;

// Scores `batch`-sized slices of `all` from `first` on.
inline std::vector<float> score_from(OodScorer& scorer, const std::vector<ImageEmbedding>& all, size_t first, size_t batch) {
  std::vector<float> out;
  for (size_t at = first; at < all.size(); at += batch) {
    const std::vector<ImageEmbedding> b(all.begin() + static_cast<std::ptrdiff_t>(at),
                                        all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), at + batch)));
    for (const auto& r : scorer.score(b)) out.push_back(r.error.empty() ? r.score : -1.f);
  }
  return out;
}

inline std::vector<std::string> files_of(const std::vector<LabeledImage>& images) {
  std::vector<std::string> f;
  for (const auto& im : images) f.push_back(im.file);
  return f;
}

// A state file of version 1 (before the envelope): magic | u32 1 | u64 n | n bytes of JSON | the
// payload, no checksum; the snapshot inside a state file is rewritten the same way.
inline std::string version1_of(const std::string& magic, std::string_view file) {
  const core::Envelope e = core::decode_envelope(file, {magic, 2, 0, "file"}, "");
  const std::string head = e.head.dump();
  const std::string payload = magic == "ANTSSTRM" && !e.payload.empty() ? version1_of("ANTSSNAP", e.payload)
                                                                         : std::string(e.payload);
  const uint32_t version = 1;
  const uint64_t n = head.size();
  std::string out = magic;
  out.append(reinterpret_cast<const char*>(&version), 4).append(reinterpret_cast<const char*>(&n), 8);
  return out + head + payload;
}


}  // namespace ants::test

namespace ants {
using test::files_of;
using test::PipelineModel;
using test::score_from;
using test::version1_of;
}  // namespace ants
