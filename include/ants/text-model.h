// ants/text-model.h — what the text side of a detector needs from a model: texts to unit feature
// rows, an identity for the caches and the logit scale. ClipModel is one; a front end can bring
// another encoder (e.g. Python users with their own CLIP) by implementing this interface.
#pragma once

#include <ants/callbacks.h>
#include <ants/error.h>
#include <ants/export.h>
#include <ants/matrix.h>

#include <string>
#include <vector>

namespace ants {

class ANTS_API TextModel {
 public:
  virtual ~TextModel() = default;
  // L2-normalised rows, one per text, in order; `batch` texts per forward pass; `progress`
  // counts texts.
  virtual FeatureMatrix encode_texts(const std::vector<std::string>& texts, int batch = 256,
                                     const ProgressFn& progress = {}) const = 0;
  // The same rows before L2 normalisation (CLIP's encode_text output as is): prompt ensembles that
  // average raw features, as CSP's reference does, need them. A model that only has unit rows
  // keeps this default, which throws Error(unsupported).
  virtual FeatureMatrix encode_texts_unnormalized(const std::vector<std::string>& texts, int batch = 256,
                                                  const ProgressFn& progress = {}) const {
    (void)texts, (void)batch, (void)progress;
    throw Error(ErrorCode::unsupported, "text encoder: gives only unit feature rows; prompt ensembles need the raw ones");
  }
  // What identifies this model's outputs (text embeddings are cached under it). Empty: the
  // outputs have no known identity, and nothing is cached.
  virtual const std::string& fingerprint() const = 0;
  virtual float logit_scale() const = 0;  // CLIP's exp(logit_scale), 100 for the released models
  virtual int embed_dim() const = 0;
  virtual int threads() const { return 0; }  // for the library's own loops; 0 = all cores
};

}  // namespace ants
