// The in-memory CLIP model: weights converted to the compute dtype, independent of the file
// layout they came from (Hugging Face or open_clip).
#pragma once

#include <ants/clip.h>

#include <vector>

#include "linalg/matmul.h"

namespace ants::clip {

struct Norm {
  std::vector<float> gain, bias;
};

struct Block {
  Norm ln1, ln2;
  Dense qkv;  // [3W, W]: rows q | k | v, as open_clip's in_proj_weight
  Dense out;  // [W, W]
  Dense fc1;  // [mlp, W]
  Dense fc2;  // [W, mlp]
};

struct Tower {
  ClipTowerInfo info;
  Activation act = Activation::quick_gelu;
  std::vector<Block> blocks;
};

struct VisionWeights {
  Dense patch;                   // [W, 3 * p * p] (conv weight flattened c, ky, kx), no bias
  std::vector<float> class_emb;  // [W]
  std::vector<float> pos_emb;    // [1 + (S/p)^2, W]
  Norm ln_pre, ln_post;
  Tower tower;
  Dense proj;  // [D, W], no bias
};

struct TextWeights {
  std::vector<float> token_emb;  // [vocab, W]
  std::vector<float> pos_emb;    // [context, W]
  Tower tower;
  Norm ln_final;
  Dense proj;  // [D, W], no bias
};

struct ModelWeights {
  ClipInfo info;
  DType dtype = DType::f32;
  VisionWeights vision;
  TextWeights text;
};

// Reads config + safetensors from `dir` (see ants/clip.h for the layouts), validates every
// tensor before converting any, and converts to `dtype`.
ModelWeights load_model_weights(const std::filesystem::path& dir, DType dtype, std::vector<std::string>* warnings);

}  // namespace ants::clip
