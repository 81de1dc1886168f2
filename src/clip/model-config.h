// Locating a model directory's files and reading its config (Hugging Face or open_clip).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ants::clip {

enum class Layout { hf, open_clip };

struct ModelFiles {
  Layout layout = Layout::hf;
  std::filesystem::path dir, config, weights;
};

// HF: config.json + model.safetensors; open_clip: open_clip_config.json +
// open_clip_model.safetensors. Throws ants::Error(io) naming the directory when neither is there.
ModelFiles find_model_files(const std::filesystem::path& dir);

// What the config says about one tower. Unset fields are derived from tensor shapes; set fields
// are checked against them.
struct TowerHints {
  std::optional<int> width, layers, heads, mlp_width;
  std::string act = "quick_gelu";
  double ln_eps = 1e-5;
};

struct ConfigHints {
  TowerHints vision, text;
  std::optional<int> embed_dim, image_size, patch_size, context_length, vocab_size;
  std::optional<int> vision_head_width;  // open_clip: heads = width / head_width (x32 for a ResNet)
  std::vector<int> resnet_layers;        // open_clip vision_cfg.layers as a list: a ModifiedResNet
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
};

// Throws ants::Error(format) naming the config file for malformed JSON or a non-CLIP / non-ViT
// model, and (unsupported) for towers ants cannot run (timm or HF text towers).
ConfigHints read_model_config(const ModelFiles& files);

}  // namespace ants::clip
