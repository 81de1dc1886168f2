// ants/clip.h — a CLIP model (any ViT size, or a ModifiedResNet vision tower) loaded from Hugging Face or open_clip safetensors.
//
// Layouts read by ClipModel::load(dir):
//   * Hugging Face: config.json ("CLIPModel") + model.safetensors (+ optional
//     preprocessor_config.json for image_mean/image_std, vocab.json + merges.txt).
//   * open_clip / OpenAI: open_clip_config.json (model_cfg, preprocess_cfg) +
//     open_clip_model.safetensors. Without vocab.json/merges.txt the built-in CLIP BPE is used.
// Tensor dtypes F32, F16 and BF16 are accepted. The safetensors file is memory-mapped, validated
// in full (names, shapes, dtypes, offsets, sizes) before any weight is read, converted to the
// compute precision, and unmapped again.
//
// Embeddings are L2-normalised float32 rows of length info().embed_dim.
//
// Threading: encode_* run on params.n_threads OpenMP threads (oneDNN kernels + ants loops).
// A ClipModel is immutable after load(); encode_* may be called from several threads at once
// (each call allocates its own activations), though one call at a time already uses all cores.
//
// Errors: every function throws ants::Error (see error.h) with a one-line message naming the
// file and the cause; nothing else escapes, and nothing is printed.
#pragma once

#include <ants/callbacks.h>
#include <ants/error.h>
#include <ants/export.h>
#include <ants/image.h>
#include <ants/matrix.h>
#include <ants/text-model.h>
#include <ants/tokenizer.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ants {

enum class Precision {
  fp32,  // float32 weights and activations
  bf16,  // bfloat16 weights and matmul inputs, float32 accumulation, norms and softmax
};

// "fp32" / "bf16"; parse_precision throws ants::Error(invalid_argument) on anything else.
ANTS_API const char* precision_name(Precision p);
ANTS_API Precision parse_precision(const std::string& name);
// bf16 where the CPU has native bf16 dot products (AVX512-BF16 or AMX), else fp32.
ANTS_API Precision default_precision();

struct ClipParams {
  Precision precision = Precision::fp32;
  int n_threads = 0;  // 0 = all cores of this machine
};
// precision = default_precision(), n_threads = 0.
ANTS_API ClipParams clip_default_params();

struct ClipTowerInfo {
  int width = 0;        // hidden size
  int layers = 0;
  int heads = 0;
  int mlp_width = 0;    // intermediate size
  std::string act;      // "quick_gelu", "gelu" or "gelu_tanh"
  double ln_eps = 1e-5;
};

struct ClipInfo {
  std::string layout;         // "hf" or "open_clip"
  std::string weights_dtype;  // dtype of the matrices in the file: "F32", "F16", "BF16" or "mixed"
  std::filesystem::path weights_file;
  int embed_dim = 0;          // output embedding width
  int image_size = 0;         // square input resolution in pixels
  int patch_size = 0;         // 0 for a ResNet vision tower
  int context_length = 0;     // text positions (77 for CLIP)
  int vocab_size = 0;
  // "vit", or "modified_resnet" (OpenAI's RN50 family: vision.width is the stem width, layers
  // the bottleneck count, heads the attention pool's, act "relu"; always computed in float32).
  std::string vision_arch = "vit";
  std::vector<int> vision_stages;  // ResNet: bottlenecks per stage, e.g. {3, 4, 6, 3}
  ClipTowerInfo vision;
  ClipTowerInfo text;
  float logit_scale = 100.f;  // exp(logit_scale parameter), 100 when the file has none
  int64_t n_params = 0;       // parameters used for inference
  std::array<float, 3> image_mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> image_std{0.26862954f, 0.26130258f, 0.27577711f};
};

class ANTS_API ClipModel : public TextModel {
 public:
  // Warnings (e.g. unknown tensors that are ignored) go to `warn` when given.
  static std::unique_ptr<ClipModel> load(const std::filesystem::path& model_dir,
                                         const ClipParams& params = clip_default_params(),
                                         std::vector<std::string>* warnings = nullptr);
  ~ClipModel() override;
  ClipModel(const ClipModel&) = delete;
  ClipModel& operator=(const ClipModel&) = delete;

  const ClipInfo& info() const;
  const ClipParams& params() const;
  const Tokenizer& tokenizer() const;
  // What identifies this model's outputs, as text: content hashes of its weights, config and
  // tokenizer files, and the compute precision. Caches and saved states are keyed by it.
  const std::string& fingerprint() const override;
  float logit_scale() const override { return info().logit_scale; }
  int embed_dim() const override { return info().embed_dim; }
  int threads() const override { return params().n_threads; }
  // The model's own CLIP preprocessing (resize = crop = image_size, the model's mean/std).
  PreprocessParams preprocess_params() const;

  // pixels: n images, planar CHW float32, 3 x image_size x image_size each, preprocessed.
  // out: n x embed_dim floats, L2-normalised rows.
  void encode_images(const float* pixels, int n, float* out) const;

  // tokens: one id sequence per text as Tokenizer::encode returns (start ... end, at most
  // context_length ids; the end token's position is the first occurrence of eot_id(), or the
  // last position if there is none). out: tokens.size() x embed_dim floats, L2-normalised.
  void encode_tokens(const std::vector<std::vector<int32_t>>& tokens, float* out) const;

  // Tokenizes and encodes `texts` as they are (no template), `batch` texts per forward pass
  // (texts of similar token length are batched together; rows keep the input order). Texts
  // longer than the context keep their first context-1 tokens. `progress` counts texts.
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int batch = 256,
                             const ProgressFn& progress = {}) const override;
  FeatureMatrix encode_texts_unnormalized(const std::vector<std::string>& texts, int batch = 256,
                                          const ProgressFn& progress = {}) const override;

 private:
  FeatureMatrix encode_text_rows(const std::vector<std::string>& texts, int batch, const ProgressFn& progress,
                                 bool normalize) const;
  void encode_token_rows(const std::vector<std::vector<int32_t>>& tokens, float* out, bool normalize) const;
  std::vector<std::vector<int32_t>> tokenize_all(const std::vector<std::string>& texts) const;
  struct Impl;
  explicit ClipModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// rn50 / rn_tiny: OpenAI's ModifiedResNet vision tower (open_clip layout only).
enum class RandomArch { vit_b_16, vit_b_32, tiny, rn50, rn_tiny };
enum class TensorDtype { f32, f16, bf16 };

struct RandomModelParams {
  RandomArch arch = RandomArch::tiny;
  std::string layout = "hf";  // "hf" or "open_clip"
  TensorDtype dtype = TensorDtype::f32;
  uint64_t seed = 0;
};
// Writes a random-weight CLIP with the real architecture's shapes to `out_dir` (created if
// needed): config + safetensors in the chosen layout. Weights are seeded normal draws scaled as
// CLIP's initialisation, so activations stay in a realistic range.
ANTS_API void write_random_model(const std::filesystem::path& out_dir, const RandomModelParams& params);

}  // namespace ants
