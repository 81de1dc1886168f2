// AdaNeg (test-time adaptive negative proxies, NeurIPS 2024) as its authors run it in the ANTS
// repository: TTAPromptPostprocessor_noadagap (openood/postprocessors/ttaprompt_postprocessor.py,
// scripts/ood/adaneg/imagenet.sh). Every label (ID class or negative) keeps a memory of the
// confident test images predicted as it; its proxy is the renormalised mean of its text feature
// and those images, and the score is the grouped ID mass under the proxies, combined with the
// plain (vanilla) grouped score. docs/method.md §10 gives every rule, including the reference's
// quirks that this keeps (a memory of `memory` slots holds memory − 1 images).
#pragma once

#include <ants/detector.h>
#include <ants/matrix.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ants::ood {

struct AdaNegResult {
  int pred = -1;         // ID class: argmax of softmax(vanilla) + λ·softmax(adaptive) over the ID columns
  double score = 0;      // higher = more in-distribution
  double vanilla = 0;    // grouped score under the text features
  double adaptive = 0;   // grouped score under the memory proxies
  double prob = 0;       // softmax over the ID columns of the plain logits, at pred
};

class AdaNegDetector {
 public:
  // id_text: C ID class features; negatives: K ≥ groups negative label features (unit rows);
  // `permute`: groups over the seed-0 randperm of the negative columns (else in bank order).
  AdaNegDetector(FeatureMatrix id_text, FeatureMatrix negatives, float logit_scale, AdaNegOptions options, bool permute = true);

  // One batch of image features (unit rows), in stream order: memories are updated from it
  // first (ID admissions in image order, then negative ones), then every image is scored.
  std::vector<AdaNegResult> update(const FeatureMatrix& images);
  void reset();  // empty memories (the reference's reset between ID/OOD pairs)

  size_t labels_with_images() const;
  size_t full_labels() const;    // labels whose memory holds memory − 1 images
  size_t images_held() const;    // images in all memories
  int64_t batches() const { return batches_; }
  int64_t images() const { return images_; }

  // The memories as a core/file-envelope.h file ("ANTSADNG"); restore checks that the file was
  // written by a detector with the same texts and options. Errors: Error(format) naming `where`.
  std::string snapshot_bytes() const;
  void restore_bytes(std::string_view bytes, const std::string& where);

 private:
  struct Slot {
    std::vector<float> feature;
    float entropy = 0;
  };
  void admit(size_t label, const float* image, float entropy);
  void admit_batch(const FeatureMatrix& images, const std::vector<float>& vanilla, const std::vector<double>& conf);
  std::vector<float> adaptive_logits(const FeatureMatrix& images, const std::vector<float>& vanilla) const;
  void samada_columns(const FeatureMatrix& images, std::vector<float>& out) const;

  std::string fingerprint() const;

  FeatureMatrix text_;  // C + K rows: ID classes, then negatives
  size_t n_id_ = 0;
  float scale_ = 100.f;
  AdaNegOptions opt_;
  bool permute_ = true;
  int64_t batches_ = 0, images_ = 0;
  std::vector<std::vector<Slot>> memory_;  // per label, in slot order (replacements keep positions)
};

}  // namespace ants::ood
