// The in-memory CLIP model: weights converted to the compute dtype, independent of the file
// layout they came from (Hugging Face or open_clip).
#pragma once

#include <ants/clip.h>

#include <memory>
#include <vector>

#include "linalg/conv.h"
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

// OpenAI's ModifiedResNet (RN50 and kin), eval-mode BatchNorm folded into each convolution.
struct ResNetBlock {
  linalg::Conv2d conv1, conv2, conv3;  // 1x1, 3x3, 1x1; relu after the first two
  linalg::Conv2d down;                 // 1x1 shortcut after an avg-pool; in() == 0 when the shortcut is x
  int stride = 1;                      // avg-pool window after conv2 and before `down`
};

struct ResNetWeights {
  linalg::Conv2d stem[3];            // 3x3 convolutions (the first with stride 2), relu, then a 2x2 avg-pool
  std::vector<ResNetBlock> blocks;   // the four stages in order
  std::vector<float> pool_pos;       // attention pool position embedding [1 + grid^2, C]
  Dense q, kv, c;                    // [C, C], [2C, C] (k | v), [D, C]; with biases
  int heads = 0;
};

struct VisionWeights {
  std::unique_ptr<ResNetWeights> resnet;  // set for a ResNet tower; the ViT fields below are then empty

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
