// Random-weight CLIP checkpoints with real architectures' shapes, in either file layout; used by
// benchmarks, demos and the loader tests (the same draws written as HF and as open_clip must
// give the same embeddings).
#include <ants/clip.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "clip/safetensors.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/file-util.h"

namespace ants {

namespace {

// A ResNet tower has patch 0, v_width its stem width, v_heads its attention pool's heads.
struct Arch {
  int image_size, patch, v_width, v_layers, v_heads, t_width, t_layers, t_heads, embed;
  std::vector<int> stages = {};  // ModifiedResNet blocks per stage; empty for a ViT
};

Arch arch_of(RandomArch a) {
  switch (a) {
    case RandomArch::vit_b_16:
      return {224, 16, 768, 12, 12, 512, 12, 8, 512};
    case RandomArch::vit_b_32:
      return {224, 32, 768, 12, 12, 512, 12, 8, 512};
    case RandomArch::rn50:
      return {224, 0, 64, 16, 32, 512, 12, 8, 1024, {3, 4, 6, 3}};
    case RandomArch::rn_tiny:  // every kind of block: identity and downsample shortcuts, strided stages
      return {64, 0, 16, 5, 8, 32, 2, 2, 32, {2, 1, 1, 1}};
    case RandomArch::tiny:
      break;
  }
  return {32, 8, 64, 2, 4, 32, 2, 2, 24};
}

constexpr int kVocab = 49408, kContext = 77;

class Writer {
 public:
  Writer(uint64_t seed, TensorDtype dtype) : rng_(seed), dtype_(dtype) {}

  // A tensor of N(mean, std) draws stored under `name`.
  std::vector<float> draw(std::vector<int64_t> shape, float std, float mean = 0.f) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::normal_distribution<float> dist(mean, std);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng_);
    return v;
  }
  void put(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
    clip::TensorToWrite t;
    t.name = name;
    t.shape = std::move(shape);
    switch (dtype_) {
      case TensorDtype::f32:
        t.dtype = clip::Dtype::f32;
        t.data.resize(v.size() * 4);
        std::memcpy(t.data.data(), v.data(), t.data.size());
        break;
      case TensorDtype::f16:
      case TensorDtype::bf16: {
        t.dtype = dtype_ == TensorDtype::f16 ? clip::Dtype::f16 : clip::Dtype::bf16;
        t.data.resize(v.size() * 2);
        for (size_t i = 0; i < v.size(); ++i) {
          uint16_t h = dtype_ == TensorDtype::f16 ? core::f32_to_f16(v[i]) : core::f32_to_bf16(v[i]);
          std::memcpy(&t.data[2 * i], &h, 2);
        }
        break;
      }
    }
    tensors_.push_back(std::move(t));
  }
  void add(const std::string& name, std::vector<int64_t> shape, float std, float mean = 0.f) {
    put(name, shape, draw(shape, std, mean));
  }
  // An int64 scalar, as BatchNorm's num_batches_tracked in a real checkpoint.
  void put_i64(const std::string& name, int64_t value) {
    clip::TensorToWrite t;
    t.name = name;
    t.dtype = clip::Dtype::i64;
    t.data.resize(8);
    std::memcpy(t.data.data(), &value, 8);
    tensors_.push_back(std::move(t));
  }
  std::vector<clip::TensorToWrite>& tensors() { return tensors_; }

 private:
  std::mt19937_64 rng_;
  TensorDtype dtype_;
  std::vector<clip::TensorToWrite> tensors_;
};

std::vector<float> transpose(const std::vector<float>& a, int64_t rows, int64_t cols) {
  std::vector<float> t(a.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = a[r * cols + c];
  }
  return t;
}

// Layer norms get non-trivial gains and biases so that tests notice if they are misapplied.
void add_norm(Writer& w, const std::string& prefix, int width) {
  w.add(prefix + ".weight", {width}, 0.1f, 1.f);
  w.add(prefix + ".bias", {width}, 0.05f);
}

void add_block(Writer& w, bool hf, const std::string& p, int width, int layers) {
  const float attn_std = 1.f / std::sqrt(static_cast<float>(width));
  const float proj_std = attn_std / std::sqrt(2.f * layers);
  const float fc_std = 1.f / std::sqrt(2.f * width);
  const int64_t W = width, F = 4 * width;
  add_norm(w, p + (hf ? "layer_norm1" : "ln_1"), width);
  add_norm(w, p + (hf ? "layer_norm2" : "ln_2"), width);
  const std::vector<float> qkv_w = w.draw({3 * W, W}, attn_std), qkv_b = w.draw({3 * W}, 0.02f);
  if (hf) {
    const char* parts[] = {"q_proj", "k_proj", "v_proj"};
    for (int64_t i = 0; i < 3; ++i) {
      const std::string name = p + "self_attn." + parts[i];
      w.put(name + ".weight", {W, W}, {qkv_w.begin() + i * W * W, qkv_w.begin() + (i + 1) * W * W});
      w.put(name + ".bias", {W}, {qkv_b.begin() + i * W, qkv_b.begin() + (i + 1) * W});
    }
  } else {
    w.put(p + "attn.in_proj_weight", {3 * W, W}, qkv_w);
    w.put(p + "attn.in_proj_bias", {3 * W}, qkv_b);
  }
  const std::string out = hf ? "self_attn.out_proj" : "attn.out_proj";
  w.add(p + out + ".weight", {W, W}, proj_std);
  w.add(p + out + ".bias", {W}, 0.02f);
  w.add(p + (hf ? "mlp.fc1.weight" : "mlp.c_fc.weight"), {F, W}, fc_std);
  w.add(p + (hf ? "mlp.fc1.bias" : "mlp.c_fc.bias"), {F}, 0.02f);
  w.add(p + (hf ? "mlp.fc2.weight" : "mlp.c_proj.weight"), {W, F}, proj_std);
  w.add(p + (hf ? "mlp.fc2.bias" : "mlp.c_proj.bias"), {W}, 0.02f);
}

// Projections are drawn as [in, out] (open_clip's x @ proj) and transposed for HF's Linear.
void add_projection(Writer& w, bool hf, const std::string& name, int in, int out) {
  std::vector<float> m = w.draw({in, out}, 1.f / std::sqrt(static_cast<float>(in)));
  if (hf) {
    w.put(name, {out, in}, transpose(m, in, out));
  } else {
    w.put(name, {in, out}, m);
  }
}

void add_vision(Writer& w, bool hf, const Arch& a) {
  const int grid = a.image_size / a.patch;
  const float scale = 1.f / std::sqrt(static_cast<float>(a.v_width));
  const std::string pre = hf ? "vision_model." : "visual.";
  w.add(hf ? pre + "embeddings.patch_embedding.weight" : pre + "conv1.weight", {a.v_width, 3, a.patch, a.patch},
        1.f / std::sqrt(3.f * a.patch * a.patch));
  w.add(pre + (hf ? "embeddings.class_embedding" : "class_embedding"), {a.v_width}, scale);
  w.add(pre + (hf ? "embeddings.position_embedding.weight" : "positional_embedding"), {grid * grid + 1, a.v_width}, scale);
  add_norm(w, pre + (hf ? "pre_layrnorm" : "ln_pre"), a.v_width);
  for (int i = 0; i < a.v_layers; ++i) {
    add_block(w, hf, pre + (hf ? "encoder.layers." : "transformer.resblocks.") + std::to_string(i) + ".", a.v_width, a.v_layers);
  }
  add_norm(w, pre + (hf ? "post_layernorm" : "ln_post"), a.v_width);
  add_projection(w, hf, hf ? "visual_projection.weight" : "visual.proj", a.v_width, a.embed);
}

// A convolution and its BatchNorm with running statistics that are not the identity, so a
// mis-folded norm shows. `gain` is the BatchNorm scale's mean (smaller on residual branches keeps
// the stream's magnitude in range over many blocks, as zero-initialised last norms do in training).
void add_conv_bn(Writer& w, const std::string& conv, const std::string& bn, int out, int in, int k, float gain = 1.f) {
  w.add(conv + ".weight", {out, in, k, k}, std::sqrt(2.f / static_cast<float>(in * k * k)));
  w.add(bn + ".weight", {out}, 0.1f * gain, gain);
  w.add(bn + ".bias", {out}, 0.05f);
  w.add(bn + ".running_mean", {out}, 0.1f);
  std::vector<float> var = w.draw({out}, 0.2f, 1.f);
  for (float& v : var) v = 0.2f + std::fabs(v);
  w.put(bn + ".running_var", {out}, var);
  w.put_i64(bn + ".num_batches_tracked", 1000);
}

// open_clip's ModifiedResNet names and shapes (modified_resnet.py).
void add_resnet(Writer& w, const Arch& a) {
  const int width = a.v_width, C = 32 * width, grid = a.image_size / 32;
  add_conv_bn(w, "visual.conv1", "visual.bn1", width / 2, 3, 3);
  add_conv_bn(w, "visual.conv2", "visual.bn2", width / 2, width / 2, 3);
  add_conv_bn(w, "visual.conv3", "visual.bn3", width, width / 2, 3);
  int inplanes = width;
  for (int s = 0; s < 4; ++s) {
    const int planes = width << s;
    for (int i = 0; i < a.stages[static_cast<size_t>(s)]; ++i) {
      const std::string p = "visual.layer" + std::to_string(s + 1) + "." + std::to_string(i) + ".";
      add_conv_bn(w, p + "conv1", p + "bn1", planes, inplanes, 1);
      add_conv_bn(w, p + "conv2", p + "bn2", planes, planes, 3);
      add_conv_bn(w, p + "conv3", p + "bn3", 4 * planes, planes, 1, 0.5f);
      if ((i == 0 && s > 0) || inplanes != 4 * planes) {
        add_conv_bn(w, p + "downsample.0", p + "downsample.1", 4 * planes, inplanes, 1);
      }
      inplanes = 4 * planes;
    }
  }
  const float std = 1.f / std::sqrt(static_cast<float>(C));
  w.add("visual.attnpool.positional_embedding", {grid * grid + 1, C}, std);
  for (const char* proj : {"q_proj", "k_proj", "v_proj"}) {
    w.add(std::string("visual.attnpool.") + proj + ".weight", {C, C}, std);
    w.add(std::string("visual.attnpool.") + proj + ".bias", {C}, 0.02f);
  }
  w.add("visual.attnpool.c_proj.weight", {a.embed, C}, std);
  w.add("visual.attnpool.c_proj.bias", {a.embed}, 0.02f);
}

void add_text(Writer& w, bool hf, const Arch& a) {
  const std::string pre = hf ? "text_model." : "";
  w.add(pre + (hf ? "embeddings.token_embedding.weight" : "token_embedding.weight"), {kVocab, a.t_width}, 0.02f);
  w.add(pre + (hf ? "embeddings.position_embedding.weight" : "positional_embedding"), {kContext, a.t_width}, 0.01f);
  for (int i = 0; i < a.t_layers; ++i) {
    add_block(w, hf, pre + (hf ? "encoder.layers." : "transformer.resblocks.") + std::to_string(i) + ".", a.t_width, a.t_layers);
  }
  add_norm(w, pre + (hf ? "final_layer_norm" : "ln_final"), a.t_width);
  add_projection(w, hf, hf ? "text_projection.weight" : "text_projection", a.t_width, a.embed);
}

nlohmann::json hf_config(const Arch& a) {
  return {{"architectures", {"CLIPModel"}},
          {"model_type", "clip"},
          {"projection_dim", a.embed},
          {"logit_scale_init_value", 2.6592},
          {"text_config",
           {{"hidden_size", a.t_width}, {"intermediate_size", 4 * a.t_width}, {"num_attention_heads", a.t_heads},
            {"num_hidden_layers", a.t_layers}, {"max_position_embeddings", kContext}, {"vocab_size", kVocab},
            {"hidden_act", "quick_gelu"}, {"layer_norm_eps", 1e-5}, {"bos_token_id", 49406}, {"eos_token_id", 49407},
            {"projection_dim", a.embed}}},
          {"vision_config",
           {{"hidden_size", a.v_width}, {"intermediate_size", 4 * a.v_width}, {"num_attention_heads", a.v_heads},
            {"num_hidden_layers", a.v_layers}, {"image_size", a.image_size}, {"patch_size", a.patch},
            {"num_channels", 3}, {"hidden_act", "quick_gelu"}, {"layer_norm_eps", 1e-5}, {"projection_dim", a.embed}}}};
}

nlohmann::json vision_cfg(const Arch& a) {
  if (!a.stages.empty()) {
    return {{"image_size", a.image_size}, {"layers", a.stages}, {"width", a.v_width}, {"patch_size", nullptr},
            {"head_width", 32 * a.v_width / a.v_heads}};
  }
  return {{"image_size", a.image_size}, {"layers", a.v_layers}, {"width", a.v_width}, {"patch_size", a.patch},
          {"head_width", a.v_width / a.v_heads}};
}

nlohmann::json open_clip_config(const Arch& a) {
  return {{"model_cfg",
           {{"embed_dim", a.embed},
            {"quick_gelu", true},
            {"vision_cfg", vision_cfg(a)},
            {"text_cfg", {{"context_length", kContext}, {"vocab_size", kVocab}, {"width", a.t_width},
                          {"heads", a.t_heads}, {"layers", a.t_layers}}}}},
          {"preprocess_cfg",
           {{"mean", {0.48145466, 0.4578275, 0.40821073}}, {"std", {0.26862954, 0.26130258, 0.27577711}}}}};
}

}  // namespace

void write_random_model(const std::filesystem::path& out_dir, const RandomModelParams& params) {
  if (params.layout != "hf" && params.layout != "open_clip") {
    core::fail(ErrorCode::invalid_argument, "layout", "'" + params.layout + "' is not hf or open_clip");
  }
  const bool hf = params.layout == "hf";
  const Arch a = arch_of(params.arch);
  if (hf && !a.stages.empty()) {
    core::fail(ErrorCode::invalid_argument, "layout", "Hugging Face has no ResNet CLIP; write a ResNet with layout open_clip");
  }
  // Same seed, same draw order in both layouts: the two files hold the same model.
  Writer w(params.seed, params.dtype);
  if (a.stages.empty()) {
    add_vision(w, hf, a);
  } else {
    add_resnet(w, a);
  }
  add_text(w, hf, a);
  w.put("logit_scale", {}, {std::log(100.f)});
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  clip::write_safetensors(out_dir / (hf ? "model.safetensors" : "open_clip_model.safetensors"), w.tensors());
  core::write_file_atomic(out_dir / (hf ? "config.json" : "open_clip_config.json"),
                          (hf ? hf_config(a) : open_clip_config(a)).dump(2) + "\n");
}

}  // namespace ants
