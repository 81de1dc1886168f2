#include <ants/clip.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <numeric>

#include "clip/encoder.h"
#include "clip/model-weights.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/hash.h"

namespace ants {

const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  core::fail(ErrorCode::invalid_argument, "precision", "'" + name + "' is not fp32 or bf16");
}

Precision default_precision() { return core::cpu_has_bf16_dot() ? Precision::bf16 : Precision::fp32; }

ClipParams clip_default_params() {
  ClipParams p;
  p.precision = default_precision();
  p.n_threads = 0;
  return p;
}

struct ClipModel::Impl {
  ClipParams params;
  clip::ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<clip::Encoder> encoder;
  std::mutex mu;  // oneDNN primitives and their caches are used by one call at a time
  std::filesystem::path dir;
  std::once_flag fingerprint_once;
  std::string fingerprint;  // hashing the weights costs a read of the file: made when first asked
};

ClipModel::ClipModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipModel::~ClipModel() = default;

std::unique_ptr<ClipModel> ClipModel::load(const std::filesystem::path& model_dir, const ClipParams& params,
                                           std::vector<std::string>* warnings) {
  auto impl = std::make_unique<Impl>();
  impl->params = params;
  impl->dir = model_dir;
  core::set_compute_threads(params.n_threads);
  const auto dtype = params.precision == Precision::bf16 ? clip::DType::bf16 : clip::DType::f32;
  impl->weights = clip::load_model_weights(model_dir, dtype, warnings);
  impl->tokenizer = Tokenizer::for_model_dir(model_dir);
  if (impl->tokenizer->vocab_size() > impl->weights.info.vocab_size) {
    core::fail(ErrorCode::format, model_dir.string(),
               "tokenizer has " + std::to_string(impl->tokenizer->vocab_size()) + " tokens but the model only " +
                   std::to_string(impl->weights.info.vocab_size));
  }
  impl->encoder = std::make_unique<clip::Encoder>(impl->weights);
  return std::unique_ptr<ClipModel>(new ClipModel(std::move(impl)));
}

const ClipInfo& ClipModel::info() const { return impl_->weights.info; }
const ClipParams& ClipModel::params() const { return impl_->params; }
const Tokenizer& ClipModel::tokenizer() const { return *impl_->tokenizer; }

const std::string& ClipModel::fingerprint() const {
  std::call_once(impl_->fingerprint_once, [this] {
    const ClipInfo& i = info();
    const auto config = i.weights_file.parent_path() / (i.layout == "hf" ? "config.json" : "open_clip_config.json");
    const auto tokenizer_files = Tokenizer::model_files(impl_->dir);
    std::string key = "weights=" + core::hash_file_memo(i.weights_file).hex() + "\n";
    key += "config=" + core::hash_file_memo(config).hex() + "\ntokenizer=";
    std::string tokenizer;
    for (const auto& f : tokenizer_files) {
      if (!tokenizer.empty()) tokenizer += '+';
      tokenizer += core::hash_file_memo(f).hex();
    }
    key += tokenizer.empty() ? std::string("builtin") : tokenizer;
    key += std::string("\nprecision=") + precision_name(impl_->params.precision) + "\n";
    impl_->fingerprint = std::move(key);
  });
  return impl_->fingerprint;
}

PreprocessParams ClipModel::preprocess_params() const {
  PreprocessParams p = preprocess_params_clip(info().image_size);
  p.mean = info().image_mean;
  p.std = info().image_std;
  return p;
}

void ClipModel::encode_images(const float* pixels, int n, float* out) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  core::set_compute_threads(impl_->params.n_threads);
  impl_->encoder->encode_images(pixels, n, out);
}

void ClipModel::encode_tokens(const std::vector<std::vector<int32_t>>& tokens, float* out) const {
  encode_token_rows(tokens, out, true);
}

void ClipModel::encode_token_rows(const std::vector<std::vector<int32_t>>& tokens, float* out, bool normalize) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  core::set_compute_threads(impl_->params.n_threads);
  impl_->encoder->encode_tokens(tokens, impl_->tokenizer->eot_id(), out, normalize);
}

// The tokenizer is the serial part of encoding short texts with a small model, and it is
// thread-safe, so the texts are split over the model's threads.
std::vector<std::vector<int32_t>> ClipModel::tokenize_all(const std::vector<std::string>& texts) const {
  std::vector<std::vector<int32_t>> ids(texts.size());
  const Tokenizer& tok = *impl_->tokenizer;
  const int context = info().context_length;
  std::exception_ptr error;
  core::set_compute_threads(impl_->params.n_threads);
#pragma omp parallel for schedule(dynamic, 256)
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      ids[i] = tok.encode(texts[i], context);
    } catch (...) {
#pragma omp critical(ants_tokenize_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return ids;
}

FeatureMatrix ClipModel::encode_texts(const std::vector<std::string>& texts, int batch,
                                      const ProgressFn& progress) const {
  return encode_text_rows(texts, batch, progress, true);
}

FeatureMatrix ClipModel::encode_texts_unnormalized(const std::vector<std::string>& texts, int batch,
                                                   const ProgressFn& progress) const {
  return encode_text_rows(texts, batch, progress, false);
}

FeatureMatrix ClipModel::encode_text_rows(const std::vector<std::string>& texts, int batch, const ProgressFn& progress,
                                          bool normalize) const {
  if (batch <= 0) core::fail(ErrorCode::invalid_argument, "encode_texts", "batch must be positive");
  const size_t D = static_cast<size_t>(info().embed_dim);
  FeatureMatrix out{texts.size(), info().embed_dim, std::vector<float>(texts.size() * D)};
  std::vector<std::vector<int32_t>> ids = tokenize_all(texts);
  // Similar lengths in one batch keep the padded sequence short.
  std::vector<size_t> order(texts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<float> chunk_out;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch));
    std::vector<std::vector<int32_t>> chunk;
    for (size_t i = start; i < end; ++i) chunk.push_back(std::move(ids[order[i]]));
    chunk_out.resize(chunk.size() * D);
    encode_token_rows(chunk, chunk_out.data(), normalize);
    for (size_t i = start; i < end; ++i) std::copy_n(&chunk_out[(i - start) * D], D, out.row(order[i]));
    if (progress) progress(end, order.size());
  }
  return out;
}

}  // namespace ants
