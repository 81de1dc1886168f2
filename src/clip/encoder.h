// The CLIP forward passes (vision and text towers) over ModelWeights.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "clip/model-weights.h"

namespace ants::clip {

class Encoder {
 public:
  explicit Encoder(const ModelWeights& weights) : w_(weights) {}

  // pixels: n x 3 x S x S planar float32; out: n x D, L2-normalised.
  void encode_images(const float* pixels, int n, float* out);
  // One id sequence per text (1..context ids, ids < vocab); out: n x D, L2-normalised unless
  // `normalize` is false (the projection's output as is).
  void encode_tokens(const std::vector<std::vector<int32_t>>& tokens, int32_t eot_id, float* out,
                     bool normalize = true);

 private:
  // Runs every block of `tower` on the residual stream x[batch * tokens, W] (float32, in place).
  void run_tower(const Tower& tower, float* x, int batch, int tokens, bool causal);
  // OpenAI's ModifiedResNet tower (encoder-resnet.cpp): same contract as encode_images.
  void encode_resnet(const float* pixels, int n, float* out);
  // The ResNet's attention pool over the last stage x[n, cells, C] into out[n, D], L2-normalised.
  void attention_pool(const float* x, int n, int cells, float* out);
  // x[rows, W] -> final norm -> projection -> L2 normalisation (if `normalize`) into out[rows, D].
  void head(const float* x, int rows, const Norm& norm, double eps, const Dense& proj, float* out,
            bool normalize = true);

  // Activation buffers kept between calls: a fresh multi-megabyte allocation each forward pass
  // costs page faults (about 2 % of a ViT-B/16 batch).
  enum Slot { kCols, kPatches, kStream, kNormed, kQkv, kQ, kK, kV, kScores, kProbs, kMlp, kHead, kRes0, kRes1, kRes2, kRes3, kRes4, kSlots };
  void* scratch(Slot slot, int64_t elements, DType t);

  const ModelWeights& w_;
  DnnlContext ctx_;
  std::unique_ptr<uint8_t[]> buffers_[kSlots];
  size_t sizes_[kSlots] = {};
};

}  // namespace ants::clip
