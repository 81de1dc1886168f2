// The pipeline fixture as one stream of files (the OOD images, broken.png among them, then the ID
// images) with an ANTS scorer per stream: what the stream tests run on.
#pragma once

#include <memory>

#include "pipeline-fixture.h"

namespace ants::test {

class StreamFixture : public PipelineModel {
 protected:
  void SetUp() override {
    PipelineModel::SetUp();
    files_ = ood_then_id_files();
  }
  std::unique_ptr<OodScorer> scorer(FakeMllm& mllm) const {
    return std::make_unique<OodScorer>(*model_, demo_class_names(), scorer_options(), &mllm);
  }
  // Small forward passes, so a stream of 41 images has many of them.
  ImageEmbedOptions embed_options() const {
    ImageEmbedOptions o = eval_options().features;
    o.infer_batch = 4;
    return o;
  }

  std::vector<std::string> files_;  // 41 images; broken.png among them
};

}  // namespace ants::test
