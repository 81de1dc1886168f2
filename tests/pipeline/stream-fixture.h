// A tiny model, demo images (one of them unreadable) and an ANTS scorer whose detector fires ENS
// and VSNL within a few batches: what the stream tests run on.
#pragma once

#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <memory>

#include "core/file-util.h"
#include "ood/fake-mllm.h"
#include "test-paths.h"

namespace ants::test {

class StreamFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClipParams p = clip_default_params();
    p.precision = Precision::fp32;
    model_ = ClipModel::load(tiny_model_dir(), p).release();
  }
  static void TearDownTestSuite() { delete model_; }

  void SetUp() override {
    dir_ = temp_dir();
    write_demo_images(dir_ / "images", 24, 16);
    core::write_file_atomic(dir_ / "images" / "ood" / "broken.png", "not an image");
    files_ = collect_image_files({(dir_ / "images").string()});
  }

  std::unique_ptr<OodScorer> scorer(FakeMllm& mllm) const {
    ScorerOptions o;
    o.neglabel.count = 300;
    o.neglabel.cache.dir = shared_text_cache();
    o.detector.min_candidates = 5;
    o.detector.near_start_batch = 2;
    o.detector.near_interval = 2;
    return std::make_unique<OodScorer>(*model_, demo_class_names(), o, &mllm);
  }
  ImageEmbedOptions embed_options() const {
    return image_embed_options(*model_, "clip", 4, CacheOptions{true, dir_ / "cache"});
  }

  static ClipModel* model_;
  std::filesystem::path dir_;
  std::vector<std::string> files_;  // 41 images, sorted; broken.png among them
};

inline ClipModel* StreamFixture::model_ = nullptr;

}  // namespace ants::test
