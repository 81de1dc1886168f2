// Maps the tensors of a Hugging Face or open_clip CLIP checkpoint onto ModelWeights.
//
// Two passes, so a bad file fails before anything large is allocated: describe every tensor the
// architecture needs (name + shape, derived from the config and checked against the file), check
// them all, then convert each one and release its file pages.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>

#include "clip/model-config.h"
#include "clip/model-weights.h"
#include "clip/safetensors.h"
#include "core/cpu.h"
#include "core/dtype.h"
#include "core/error.h"

namespace ants::clip {

using core::fail;

namespace {

using Shape = std::vector<int64_t>;

struct Ref {
  std::string name;
  Shape shape;
};

// A matrix stored as nn.Linear [out, in] (HF, open_clip attention/MLP) or transposed [in, out]
// (open_clip's `proj` / `text_projection`); q/k/v may come as three parts stacked on rows.
struct MatrixRef {
  std::vector<Ref> parts;
  bool transposed = false;
};

struct NormRef {
  Ref gain, bias;
};

struct BlockRef {
  NormRef ln1, ln2;
  MatrixRef qkv, out, fc1, fc2;
  std::vector<Ref> qkv_bias;
  Ref out_bias, fc1_bias, fc2_bias;
};

struct TowerRef {
  std::vector<BlockRef> blocks;
};

// A convolution followed by an eval-mode BatchNorm (folded together when converted).
struct ConvRef {
  Ref weight;
  NormRef bn;
  Ref mean, var;
  int stride = 1, pad = 0;
};

struct BottleneckRef {
  ConvRef c1, c2, c3, down;
  bool has_down = false;
  int stride = 1;
};

struct ResNetRef {
  ConvRef stem[3];
  std::vector<BottleneckRef> blocks;
  Ref pos;
  MatrixRef q, k, v, c;
  Ref qb, kb, vb, cb;
};

struct ModelRef {
  Ref patch, class_emb, v_pos, token_emb, t_pos;  // patch, class_emb, v_pos: ViT only
  NormRef ln_pre, ln_post, ln_final;
  MatrixRef v_proj, t_proj;
  TowerRef vision, text;
  std::optional<ResNetRef> resnet;  // set instead of the ViT vision refs for a ModifiedResNet
};

std::string fmt_shape(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(s[i]);
  }
  return out + "]";
}

class Checker {
 public:
  Checker(const SafetensorsFile& st) : st_(st), where_(st.path().string()) {}

  const TensorView& get(const std::string& name) const {
    const TensorView* t = st_.find(name);
    if (t == nullptr) fail(ErrorCode::format, where_, "missing tensor '" + name + "'");
    return *t;
  }
  int64_t dim(const std::string& name, size_t axis, size_t rank) const {
    const TensorView& t = get(name);
    if (t.shape.size() != rank) {
      fail(ErrorCode::format, where_, "tensor '" + name + "' has shape " + fmt_shape(t.shape) + ", expected rank " + std::to_string(rank));
    }
    return t.shape[axis];
  }
  void check(const Ref& r) const {
    const TensorView& t = get(r.name);
    if (t.shape != r.shape) {
      fail(ErrorCode::format, where_, "tensor '" + r.name + "' has shape " + fmt_shape(t.shape) + ", expected " + fmt_shape(r.shape));
    }
    if (t.dtype != Dtype::f32 && t.dtype != Dtype::f16 && t.dtype != Dtype::bf16) {
      fail(ErrorCode::unsupported, where_, "tensor '" + r.name + "' has unsupported dtype " + dtype_name(t.dtype) + " (F32, F16 or BF16 expected)");
    }
  }
  // Number of blocks "<prefix>N." present, requiring them to be numbered 0..N-1.
  int count_blocks(const std::string& prefix) const {
    std::set<int> ids;
    for (const auto& [name, t] : st_.tensors()) {
      if (name.rfind(prefix, 0) != 0) continue;
      const char* p = name.c_str() + prefix.size();
      char* end = nullptr;
      long id = std::strtol(p, &end, 10);
      if (end != p && *end == '.' && id >= 0 && id < 4096) ids.insert(static_cast<int>(id));
    }
    if (!ids.empty() && (*ids.rbegin() + 1 != static_cast<int>(ids.size()))) {
      fail(ErrorCode::format, where_, "blocks under '" + prefix + "' are not numbered 0.." + std::to_string(ids.size() - 1));
    }
    return static_cast<int>(ids.size());
  }
  const std::string& where() const { return where_; }

 private:
  const SafetensorsFile& st_;
  std::string where_;
};

struct Dims {
  int v_width, v_layers, v_heads, v_mlp, patch, image_size, n_pos;
  int t_width, t_layers, t_heads, t_mlp, context, vocab, embed;
  std::vector<int> stages;  // ResNet only
};

NormRef norm(const std::string& prefix, int w) {
  return {{prefix + ".weight", {w}}, {prefix + ".bias", {w}}};
}

MatrixRef linear(const std::string& name, int out, int in) { return {{{name, {out, in}}}, false}; }

BlockRef hf_block(const std::string& p, int w, int mlp) {
  BlockRef b;
  b.ln1 = norm(p + "layer_norm1", w);
  b.ln2 = norm(p + "layer_norm2", w);
  for (const char* x : {"q_proj", "k_proj", "v_proj"}) {
    b.qkv.parts.push_back({p + "self_attn." + x + ".weight", {w, w}});
    b.qkv_bias.push_back({p + "self_attn." + x + ".bias", {w}});
  }
  b.out = linear(p + "self_attn.out_proj.weight", w, w);
  b.out_bias = {p + "self_attn.out_proj.bias", {w}};
  b.fc1 = linear(p + "mlp.fc1.weight", mlp, w);
  b.fc1_bias = {p + "mlp.fc1.bias", {mlp}};
  b.fc2 = linear(p + "mlp.fc2.weight", w, mlp);
  b.fc2_bias = {p + "mlp.fc2.bias", {w}};
  return b;
}

BlockRef oc_block(const std::string& p, int w, int mlp) {
  BlockRef b;
  b.ln1 = norm(p + "ln_1", w);
  b.ln2 = norm(p + "ln_2", w);
  b.qkv = linear(p + "attn.in_proj_weight", 3 * w, w);
  b.qkv_bias = {{p + "attn.in_proj_bias", {3 * w}}};
  b.out = linear(p + "attn.out_proj.weight", w, w);
  b.out_bias = {p + "attn.out_proj.bias", {w}};
  b.fc1 = linear(p + "mlp.c_fc.weight", mlp, w);
  b.fc1_bias = {p + "mlp.c_fc.bias", {mlp}};
  b.fc2 = linear(p + "mlp.c_proj.weight", w, mlp);
  b.fc2_bias = {p + "mlp.c_proj.bias", {w}};
  return b;
}

// Tensor names of each layout; the block prefixes feed count_blocks().
struct LayoutNames {
  std::string patch, class_emb, v_pos, ln_pre, ln_post, v_proj, v_blocks, v_fc1;
  std::string token_emb, t_pos, ln_final, t_proj, t_blocks, t_fc1;
  bool proj_transposed;
};

LayoutNames names_for(Layout layout) {
  if (layout == Layout::hf) {
    return {"vision_model.embeddings.patch_embedding.weight", "vision_model.embeddings.class_embedding",
            "vision_model.embeddings.position_embedding.weight", "vision_model.pre_layrnorm",
            "vision_model.post_layernorm", "visual_projection.weight", "vision_model.encoder.layers.",
            "mlp.fc1.weight", "text_model.embeddings.token_embedding.weight",
            "text_model.embeddings.position_embedding.weight", "text_model.final_layer_norm",
            "text_projection.weight", "text_model.encoder.layers.", "mlp.fc1.weight", false};
  }
  return {"visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre",
          "visual.ln_post", "visual.proj", "visual.transformer.resblocks.", "mlp.c_fc.weight",
          "token_embedding.weight", "positional_embedding", "ln_final", "text_projection",
          "transformer.resblocks.", "mlp.c_fc.weight", true};
}

// A config value, when given, must agree with the tensors.
int reconcile(const std::optional<int>& hint, int64_t derived, const char* what, const std::string& config) {
  if (hint && *hint != derived) {
    fail(ErrorCode::format, config,
         std::string("inconsistent config: ") + what + " is " + std::to_string(*hint) + " but the weights have " + std::to_string(derived));
  }
  return static_cast<int>(derived);
}

void check_heads(int width, int heads, const char* tower, const std::string& cfg) {
  if (heads <= 0 || width % heads != 0) {
    fail(ErrorCode::format, cfg, std::string("inconsistent config: ") + tower + " width " + std::to_string(width) +
                                     " is not divisible by " + std::to_string(heads) + " heads");
  }
}

// Number of position rows = 1 + grid^2; returns grid.
int pos_grid(const Checker& c, int n_pos) {
  const int grid = static_cast<int>(std::lround(std::sqrt(std::max(0, n_pos - 1))));
  if (grid == 0 || grid * grid + 1 != n_pos) fail(ErrorCode::format, c.where(), "vision position embedding is not 1 + a square grid");
  return grid;
}

void derive_text_dims(const Checker& c, const LayoutNames& n, const ConfigHints& h, const std::string& cfg, Dims& d) {
  d.t_layers = reconcile(h.text.layers, c.count_blocks(n.t_blocks), "text layers", cfg);
  if (d.t_layers == 0) fail(ErrorCode::format, c.where(), "missing transformer blocks");
  d.vocab = reconcile(h.vocab_size, c.dim(n.token_emb, 0, 2), "vocab_size", cfg);
  d.t_width = reconcile(h.text.width, c.dim(n.token_emb, 1, 2), "text width", cfg);
  d.context = reconcile(h.context_length, c.dim(n.t_pos, 0, 2), "context length", cfg);
  d.t_mlp = reconcile(h.text.mlp_width, c.dim(n.t_blocks + "0." + n.t_fc1, 0, 2), "text intermediate size", cfg);
  d.t_heads = h.text.heads.value_or(8);
  check_heads(d.t_width, d.t_heads, "text", cfg);
  if (d.context < 2) fail(ErrorCode::format, cfg, "context length must be at least 2");
}

// OpenAI's ModifiedResNet: width from the stem, blocks per stage, grid from the attention pool.
void derive_resnet_dims(const Checker& c, const ConfigHints& h, const std::string& cfg, Dims& d) {
  d.v_width = reconcile(h.vision.width, c.dim("visual.conv3.weight", 0, 4), "vision width", cfg);
  if (d.v_width < 2 || d.v_width % 2 != 0 || d.v_width > (1 << 14)) {
    fail(ErrorCode::format, c.where(), "ResNet stem width " + std::to_string(d.v_width) + " is not an even number in 2..16384");
  }
  d.v_layers = 0;
  for (int s = 0; s < 4; ++s) {
    const std::string prefix = "visual.layer" + std::to_string(s + 1) + ".";
    const int blocks = reconcile(h.resnet_layers[static_cast<size_t>(s)], c.count_blocks(prefix), ("blocks in " + prefix).c_str(), cfg);
    if (blocks == 0) fail(ErrorCode::format, c.where(), "missing ResNet blocks under '" + prefix + "'");
    d.stages.push_back(blocks);
    d.v_layers += blocks;
  }
  const int C = 32 * d.v_width;
  d.n_pos = static_cast<int>(c.dim("visual.attnpool.positional_embedding", 0, 2));
  d.image_size = reconcile(h.image_size, static_cast<int64_t>(pos_grid(c, d.n_pos)) * 32, "image_size", cfg);
  d.embed = reconcile(h.embed_dim, c.dim("visual.attnpool.c_proj.weight", 0, 2), "projection dim", cfg);
  d.v_heads = C / h.vision_head_width.value_or(64);
  d.v_mlp = d.patch = 0;
  check_heads(C, d.v_heads, "ResNet attention pool", cfg);
}

Dims derive_dims(const Checker& c, const LayoutNames& n, const ConfigHints& h, const ModelFiles& f) {
  const std::string cfg = f.config.string();
  Dims d{};
  derive_text_dims(c, n, h, cfg, d);
  if (!h.resnet_layers.empty()) {
    derive_resnet_dims(c, h, cfg, d);
    return d;
  }
  d.v_width = reconcile(h.vision.width, c.dim(n.class_emb, 0, 1), "vision width", cfg);
  d.patch = reconcile(h.patch_size, c.dim(n.patch, 2, 4), "patch_size", cfg);
  d.n_pos = static_cast<int>(c.dim(n.v_pos, 0, 2));
  d.image_size = reconcile(h.image_size, static_cast<int64_t>(pos_grid(c, d.n_pos)) * d.patch, "image_size", cfg);
  d.v_layers = reconcile(h.vision.layers, c.count_blocks(n.v_blocks), "vision layers", cfg);
  if (d.v_layers == 0) fail(ErrorCode::format, c.where(), "missing transformer blocks");
  d.v_mlp = reconcile(h.vision.mlp_width, c.dim(n.v_blocks + "0." + n.v_fc1, 0, 2), "vision intermediate size", cfg);
  d.embed = reconcile(h.embed_dim, c.dim(n.v_proj, n.proj_transposed ? 1 : 0, 2), "projection dim", cfg);
  d.v_heads = h.vision.heads.value_or(d.v_width / h.vision_head_width.value_or(64));
  check_heads(d.v_width, d.v_heads, "vision", cfg);
  return d;
}

MatrixRef projection(const std::string& name, int out, int in, bool transposed) {
  if (transposed) return {{{name, {in, out}}}, true};
  return linear(name, out, in);
}

ConvRef conv_ref(const std::string& conv, const std::string& bn, int out, int in, int k, int stride, int pad) {
  return {{conv + ".weight", {out, in, k, k}}, norm(bn, out), {bn + ".running_mean", {out}}, {bn + ".running_var", {out}}, stride, pad};
}

// Names and shapes of open_clip's ModifiedResNet (modified_resnet.py).
ResNetRef describe_resnet(const Dims& d) {
  ResNetRef r;
  const std::string v = "visual.";
  const int w = d.v_width, C = 32 * w;
  r.stem[0] = conv_ref(v + "conv1", v + "bn1", w / 2, 3, 3, 2, 1);
  r.stem[1] = conv_ref(v + "conv2", v + "bn2", w / 2, w / 2, 3, 1, 1);
  r.stem[2] = conv_ref(v + "conv3", v + "bn3", w, w / 2, 3, 1, 1);
  int inplanes = w;
  for (int s = 0; s < 4; ++s) {
    const int planes = w << s;
    for (int i = 0; i < d.stages[static_cast<size_t>(s)]; ++i) {
      const std::string p = v + "layer" + std::to_string(s + 1) + "." + std::to_string(i) + ".";
      BottleneckRef b;
      b.stride = (i == 0 && s > 0) ? 2 : 1;
      b.c1 = conv_ref(p + "conv1", p + "bn1", planes, inplanes, 1, 1, 0);
      b.c2 = conv_ref(p + "conv2", p + "bn2", planes, planes, 3, 1, 1);
      b.c3 = conv_ref(p + "conv3", p + "bn3", 4 * planes, planes, 1, 1, 0);
      b.has_down = b.stride > 1 || inplanes != 4 * planes;
      if (b.has_down) b.down = conv_ref(p + "downsample.0", p + "downsample.1", 4 * planes, inplanes, 1, 1, 0);
      r.blocks.push_back(b);
      inplanes = 4 * planes;
    }
  }
  const std::string a = v + "attnpool.";
  r.pos = {a + "positional_embedding", {d.n_pos, C}};
  r.q = linear(a + "q_proj.weight", C, C);
  r.k = linear(a + "k_proj.weight", C, C);
  r.v = linear(a + "v_proj.weight", C, C);
  r.c = linear(a + "c_proj.weight", d.embed, C);
  r.qb = {a + "q_proj.bias", {C}};
  r.kb = {a + "k_proj.bias", {C}};
  r.vb = {a + "v_proj.bias", {C}};
  r.cb = {a + "c_proj.bias", {d.embed}};
  return r;
}

ModelRef describe(const LayoutNames& n, Layout layout, const Dims& d) {
  ModelRef m;
  m.token_emb = {n.token_emb, {d.vocab, d.t_width}};
  m.t_pos = {n.t_pos, {d.context, d.t_width}};
  m.ln_final = norm(n.ln_final, d.t_width);
  m.t_proj = projection(n.t_proj, d.embed, d.t_width, n.proj_transposed);
  auto block = layout == Layout::hf ? hf_block : oc_block;
  for (int i = 0; i < d.t_layers; ++i) m.text.blocks.push_back(block(n.t_blocks + std::to_string(i) + ".", d.t_width, d.t_mlp));
  if (!d.stages.empty()) {
    m.resnet = describe_resnet(d);
    return m;
  }
  m.patch = {n.patch, {d.v_width, 3, d.patch, d.patch}};
  m.class_emb = {n.class_emb, {d.v_width}};
  m.v_pos = {n.v_pos, {d.n_pos, d.v_width}};
  m.ln_pre = norm(n.ln_pre, d.v_width);
  m.ln_post = norm(n.ln_post, d.v_width);
  m.v_proj = projection(n.v_proj, d.embed, d.v_width, n.proj_transposed);
  for (int i = 0; i < d.v_layers; ++i) m.vision.blocks.push_back(block(n.v_blocks + std::to_string(i) + ".", d.v_width, d.v_mlp));
  return m;
}

template <typename F>
void for_each_tower_ref(const TowerRef& t, F&& f) {
  for (const BlockRef& b : t.blocks) {
    for (const NormRef* nr : {&b.ln1, &b.ln2}) {
      f(nr->gain);
      f(nr->bias);
    }
    for (const MatrixRef* mr : {&b.qkv, &b.out, &b.fc1, &b.fc2}) {
      for (const auto& p : mr->parts) f(p);
    }
    for (const auto& r : b.qkv_bias) f(r);
    for (const Ref* r : {&b.out_bias, &b.fc1_bias, &b.fc2_bias}) f(*r);
  }
}

template <typename F>
void for_each_resnet_ref(const ResNetRef& r, F&& f) {
  auto conv = [&](const ConvRef& c) {
    for (const Ref* x : {&c.weight, &c.bn.gain, &c.bn.bias, &c.mean, &c.var}) f(*x);
  };
  for (const ConvRef& c : r.stem) conv(c);
  for (const BottleneckRef& b : r.blocks) {
    for (const ConvRef* c : {&b.c1, &b.c2, &b.c3}) conv(*c);
    if (b.has_down) conv(b.down);
  }
  for (const MatrixRef* mr : {&r.q, &r.k, &r.v, &r.c}) f(mr->parts[0]);
  for (const Ref* x : {&r.pos, &r.qb, &r.kb, &r.vb, &r.cb}) f(*x);
}

template <typename F>
void for_each_ref(const ModelRef& m, F&& f) {
  for (const Ref* r : {&m.token_emb, &m.t_pos, &m.ln_final.gain, &m.ln_final.bias}) f(*r);
  for (const auto& p : m.t_proj.parts) f(p);
  for_each_tower_ref(m.text, f);
  if (m.resnet) {
    for_each_resnet_ref(*m.resnet, f);
    return;
  }
  for (const Ref* r : {&m.patch, &m.class_emb, &m.v_pos}) f(*r);
  for (const NormRef* nr : {&m.ln_pre, &m.ln_post}) {
    f(nr->gain);
    f(nr->bias);
  }
  for (const auto& p : m.v_proj.parts) f(p);
  for_each_tower_ref(m.vision, f);
}

bool is_batchnorm_statistic(const std::string& name) { return name.ends_with(".running_mean") || name.ends_with(".running_var"); }

bool is_known_buffer(const std::string& name) {
  return name.ends_with("position_ids") || name == "logit_scale" || name.ends_with("attn_mask") || name.ends_with("num_batches_tracked");
}

class Converter {
 public:
  Converter(const SafetensorsFile& st, DType dtype) : st_(st), dtype_(dtype) {}

  std::vector<float> floats(const Ref& r) const {
    const TensorView& t = *st_.find(r.name);
    std::vector<float> out = t.to_f32();
    st_.release(t);
    check_finite(out, r.name);
    return out;
  }
  Norm norm(const NormRef& n) const { return {floats(n.gain), floats(n.bias)}; }

  Dense dense(const MatrixRef& m, const std::vector<Ref>& bias_parts) const {
    std::vector<float> w;
    int64_t in = 0, out = 0;
    for (const Ref& p : m.parts) {
      std::vector<float> part = floats(p);
      const int64_t rows = m.transposed ? p.shape[1] : p.shape[0], cols = m.transposed ? p.shape[0] : p.shape[1];
      if (m.transposed) part = transpose(part, p.shape[0], p.shape[1]);
      w.insert(w.end(), part.begin(), part.end());
      out += rows;
      in = cols;
    }
    std::vector<float> bias;
    for (const Ref& b : bias_parts) {
      auto part = floats(b);
      bias.insert(bias.end(), part.begin(), part.end());
    }
    return Dense(static_cast<int>(in), static_cast<int>(out), dtype_, pack(w), std::move(bias));
  }
  Dense dense(const MatrixRef& m, const Ref& bias) const { return dense(m, std::vector<Ref>{bias}); }
  // A convolution with its eval-mode BatchNorm folded in: w' = w·s, b' = β − μ·s, s = γ/√(σ² + ε)
  // with PyTorch's ε = 1e-5, in double.
  linalg::Conv2d conv_bn(const ConvRef& r) const {
    std::vector<float> w = floats(r.weight);
    const std::vector<float> gain = floats(r.bn.gain), beta = floats(r.bn.bias), mean = floats(r.mean), var = floats(r.var);
    const int out = static_cast<int>(r.weight.shape[0]), in = static_cast<int>(r.weight.shape[1]), k = static_cast<int>(r.weight.shape[2]);
    const size_t per = static_cast<size_t>(in) * k * k;
    std::vector<float> bias(static_cast<size_t>(out));
    for (size_t o = 0; o < bias.size(); ++o) {
      if (var[o] < 0) core::fail(ErrorCode::format, st_.path().string(), "tensor '" + r.var.name + "' holds a negative variance");
      const double s = gain[o] / std::sqrt(static_cast<double>(var[o]) + 1e-5);
      for (size_t i = 0; i < per; ++i) w[o * per + i] = static_cast<float>(w[o * per + i] * s);
      bias[o] = static_cast<float>(beta[o] - mean[o] * s);
    }
    check_finite(w, r.weight.name + " folded with " + r.bn.gain.name);  // finite inputs can still overflow
    check_finite(bias, r.bn.bias.name + " folded with " + r.bn.gain.name);
    return linalg::Conv2d(in, out, k, r.stride, r.pad, std::move(w), std::move(bias));
  }
  // The patch convolution as a [W, 3*p*p] matrix product (no bias).
  Dense conv_as_dense(const Ref& r) const {
    std::vector<float> w = floats(r);
    const int out = static_cast<int>(r.shape[0]);
    const int in = static_cast<int>(r.shape[1] * r.shape[2] * r.shape[3]);
    return Dense(in, out, dtype_, pack(w), {});
  }

 private:
  // A NaN or Inf weight makes every embedding NaN: a damaged or hostile file, refused by name.
  void check_finite(const std::vector<float>& v, const std::string& name) const {
    uint32_t all_ones = 0;  // exponent bits all set: Inf or NaN (a branch-free loop that vectorises)
    for (const float x : v) {
      uint32_t u;
      std::memcpy(&u, &x, 4);
      all_ones |= static_cast<uint32_t>((u & 0x7f800000u) == 0x7f800000u);
    }
    if (all_ones == 0) return;
    const size_t at = static_cast<size_t>(std::find_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); }) - v.begin());
    core::fail(ErrorCode::format, st_.path().string(),
               "tensor '" + name + "' holds " + (std::isnan(v[at]) ? "NaN" : "Inf") + " (element " + std::to_string(at) + ")");
  }

  static std::vector<float> transpose(const std::vector<float>& a, int64_t rows, int64_t cols) {
    std::vector<float> t(a.size());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = a[r * cols + c];
    }
    return t;
  }
  std::vector<uint8_t> pack(const std::vector<float>& w) const {
    std::vector<uint8_t> bytes(w.size() * dtype_bytes(dtype_));
    if (dtype_ == DType::f32) {
      std::memcpy(bytes.data(), w.data(), bytes.size());
    } else {
      auto* out = reinterpret_cast<uint16_t*>(bytes.data());
      for (size_t i = 0; i < w.size(); ++i) out[i] = core::f32_to_bf16(w[i]);
    }
    return bytes;
  }

  const SafetensorsFile& st_;
  DType dtype_;
};

Tower convert_tower(const Converter& cv, const TowerRef& ref, const ClipTowerInfo& info) {
  Tower t;
  t.info = info;
  t.act = parse_activation(info.act);
  for (const BlockRef& b : ref.blocks) {
    Block blk;
    blk.ln1 = cv.norm(b.ln1);
    blk.ln2 = cv.norm(b.ln2);
    blk.qkv = cv.dense(b.qkv, b.qkv_bias);
    blk.out = cv.dense(b.out, b.out_bias);
    blk.fc1 = cv.dense(b.fc1, b.fc1_bias);
    blk.fc2 = cv.dense(b.fc2, b.fc2_bias);
    t.blocks.push_back(std::move(blk));
  }
  return t;
}

std::string matrices_dtype(const SafetensorsFile& st, const ModelRef& m) {
  std::set<std::string> kinds;
  for (const TowerRef* t : {&m.vision, &m.text}) {
    for (const BlockRef& b : t->blocks) kinds.insert(dtype_name(st.find(b.fc1.parts[0].name)->dtype));
  }
  return kinds.size() == 1 ? *kinds.begin() : "mixed";
}

// Always float32: the convolutions run in float32 whatever the text tower's precision.
std::unique_ptr<ResNetWeights> convert_resnet(const SafetensorsFile& st, const ResNetRef& r, int heads) {
  const Converter cv(st, DType::f32);
  auto w = std::make_unique<ResNetWeights>();
  for (int i = 0; i < 3; ++i) w->stem[i] = cv.conv_bn(r.stem[i]);
  for (const BottleneckRef& b : r.blocks) {
    ResNetBlock blk;
    blk.conv1 = cv.conv_bn(b.c1);
    blk.conv2 = cv.conv_bn(b.c2);
    blk.conv3 = cv.conv_bn(b.c3);
    if (b.has_down) blk.down = cv.conv_bn(b.down);
    blk.stride = b.stride;
    w->blocks.push_back(std::move(blk));
  }
  w->pool_pos = cv.floats(r.pos);
  w->q = cv.dense(r.q, r.qb);
  w->kv = cv.dense(MatrixRef{{r.k.parts[0], r.v.parts[0]}, false}, std::vector<Ref>{r.kb, r.vb});
  w->c = cv.dense(r.c, r.cb);
  w->heads = heads;
  return w;
}

ClipInfo make_info(const ModelFiles& f, const ConfigHints& h, const Dims& d) {
  ClipInfo info;
  info.layout = f.layout == Layout::hf ? "hf" : "open_clip";
  info.weights_file = f.weights;
  info.embed_dim = d.embed;
  info.image_size = d.image_size;
  info.patch_size = d.patch;
  info.context_length = d.context;
  info.vocab_size = d.vocab;
  info.vision = {d.v_width, d.v_layers, d.v_heads, d.v_mlp, h.vision.act, h.vision.ln_eps};
  if (!d.stages.empty()) {
    info.vision_arch = "modified_resnet";
    info.vision_stages = d.stages;
    info.vision.act = "relu";
    info.vision.ln_eps = 1e-5;  // BatchNorm's
  }
  info.text = {d.t_width, d.t_layers, d.t_heads, d.t_mlp, h.text.act, h.text.ln_eps};
  info.image_mean = h.mean;
  info.image_std = h.std;
  return info;
}

float read_logit_scale(const SafetensorsFile& st) {
  const TensorView* t = st.find("logit_scale");
  if (t == nullptr || t->numel() != 1 || t->dtype == Dtype::i64 || t->dtype == Dtype::boolean) return 100.f;
  float v = 0;
  try {
    v = t->to_f32()[0];
  } catch (const Error&) {
    return 100.f;
  }
  if (!std::isfinite(v)) core::fail(ErrorCode::format, st.path().string(), "tensor 'logit_scale' holds NaN or Inf");
  return std::exp(v);
}

}  // namespace

ModelWeights load_model_weights(const std::filesystem::path& dir, DType dtype, std::vector<std::string>* warnings) {
  if (dtype == DType::bf16 && !core::cpu_has_bf16_compute())
    core::fail(ErrorCode::invalid_argument, "precision bf16",
               "this CPU has no AVX-512, which oneDNN's bf16 kernels need; use fp32 (the default here)");
  const ModelFiles files = find_model_files(dir);
  const ConfigHints hints = read_model_config(files);
  SafetensorsFile st(files.weights);
  Checker checker(st);
  const LayoutNames names = names_for(files.layout);
  const Dims dims = derive_dims(checker, names, hints, files);
  const ModelRef ref = describe(names, files.layout, dims);

  std::set<std::string> expected;
  int64_t n_params = 0;
  for_each_ref(ref, [&](const Ref& r) {
    checker.check(r);
    expected.insert(r.name);
    if (!is_batchnorm_statistic(r.name)) n_params += st.find(r.name)->numel();  // as PyTorch's parameters()
  });
  for (const auto& [name, t] : st.tensors()) {
    if (!expected.count(name) && !is_known_buffer(name) && warnings != nullptr) {
      warnings->push_back(files.weights.string() + ": ignoring unknown tensor '" + name + "'");
    }
  }

  ModelWeights m;
  m.info = make_info(files, hints, dims);
  m.info.n_params = n_params;
  m.info.weights_dtype = matrices_dtype(st, ref);
  m.info.logit_scale = read_logit_scale(st);
  m.dtype = dtype;
  const Converter cv(st, dtype);
  if (ref.resnet) {
    m.vision.resnet = convert_resnet(st, *ref.resnet, dims.v_heads);
  } else {
    m.vision.patch = cv.conv_as_dense(ref.patch);
    m.vision.class_emb = cv.floats(ref.class_emb);
    m.vision.pos_emb = cv.floats(ref.v_pos);
    m.vision.ln_pre = cv.norm(ref.ln_pre);
    m.vision.ln_post = cv.norm(ref.ln_post);
    m.vision.proj = cv.dense(ref.v_proj, std::vector<Ref>{});
    m.vision.tower = convert_tower(cv, ref.vision, m.info.vision);
  }
  m.text.token_emb = cv.floats(ref.token_emb);
  m.text.pos_emb = cv.floats(ref.t_pos);
  m.text.ln_final = cv.norm(ref.ln_final);
  m.text.proj = cv.dense(ref.t_proj, std::vector<Ref>{});
  m.text.tower = convert_tower(cv, ref.text, m.info.text);
  return m;
}

}  // namespace ants::clip
