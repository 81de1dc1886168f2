// oneDNN matrix products, shared by the CLIP engine (clip/) and the OOD scores (ood/): dense
// layers with fused bias, activation and residual add, and batched products for attention and
// logits. Everything runs on oneDNN's CPU engine with its OpenMP threads; brgemm kernels use AMX /
// AVX512-BF16 / AVX-512 as the CPU allows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace dnnl {
class engine;
class stream;
class matmul;
}  // namespace dnnl

namespace ants::linalg {

enum class DType { f32, bf16 };
size_t dtype_bytes(DType t);

enum class Activation { none, quick_gelu, gelu, gelu_tanh };
// "quick_gelu", "gelu", "gelu_tanh"; throws on anything else.
Activation parse_activation(const std::string& name);

// The CPU engine and one stream, shared by every product of a model.
class DnnlContext {
 public:
  DnnlContext();
  ~DnnlContext();
  dnnl::engine& engine();
  dnnl::stream& stream();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// y[M, out] = act(x[M, in] · Wᵀ + b) (+ y when accumulate). W is [out, in] row-major as in
// PyTorch's nn.Linear, stored in the compute dtype; b is float32 (may be empty).
class Dense {
 public:
  Dense() = default;
  Dense(int in, int out, DType wtype, std::vector<uint8_t> weights, std::vector<float> bias);
  ~Dense();
  Dense(Dense&&) noexcept;
  Dense& operator=(Dense&&) noexcept;

  int in() const { return in_; }
  int out() const { return out_; }
  DType weight_type() const { return wtype_; }
  const uint8_t* weights() const { return weights_.data(); }

  // x has the weight dtype; y has y_type. Not thread-safe (primitive cache); the model serialises.
  void forward(DnnlContext& ctx, const void* x, int m, void* y, DType y_type, Activation act = Activation::none,
               bool accumulate = false) const;

 private:
  int in_ = 0, out_ = 0;
  DType wtype_ = DType::f32;
  std::vector<uint8_t> weights_;
  std::vector<float> bias_;
  mutable std::map<std::tuple<int, int, int, bool>, std::shared_ptr<dnnl::matmul>> cache_;
};

// c[b] = scale · a[b] · (b_transposed ? bᵀ : b), for `batch` independent products.
// a: [batch, m, k]; b: [batch, k, n] or, transposed, [batch, n, k]; all dense row-major.
// c: [batch, m, n] dense, or when c_row_stride > 0, element (i, r, j) of head-split batch
// i = (outer, h) lives at ((outer * m + r) * c_row_stride + h * n + j): the layout that merges
// attention heads back into [tokens, width] without a copy (`heads` = heads per outer batch).
struct BatchedMatmul {
  int batch = 0, m = 0, k = 0, n = 0;
  bool b_transposed = false;
  float scale = 1.f;
  DType in_type = DType::f32, out_type = DType::f32;
  int heads = 1;
  int c_row_stride = 0;
};
void batched_matmul(DnnlContext& ctx, const BatchedMatmul& shape, const void* a, const void* b, void* c);

}  // namespace ants::linalg

namespace ants::clip {
// The CLIP engine is the main user of these products and names them unqualified.
using linalg::Activation;
using linalg::BatchedMatmul;
using linalg::Dense;
using linalg::DnnlContext;
using linalg::DType;
using linalg::dtype_bytes;
using linalg::batched_matmul;
using linalg::parse_activation;
}  // namespace ants::clip
