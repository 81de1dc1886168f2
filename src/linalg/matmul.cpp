#include "linalg/matmul.h"

#include <dnnl.hpp>
#include <string>

#include "core/error.h"

namespace ants::linalg {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

namespace {

dt to_dnnl(DType t) { return t == DType::bf16 ? dt::bf16 : dt::f32; }

dnnl::post_ops make_post_ops(Activation act, bool accumulate) {
  dnnl::post_ops po;
  if (accumulate) po.append_sum(1.f);
  switch (act) {
    case Activation::none:
      break;
    case Activation::quick_gelu:  // x * sigmoid(1.702 x) is oneDNN's swish with alpha 1.702
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_swish, 1.702f, 0.f);
      break;
    case Activation::gelu:
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
      break;
    case Activation::gelu_tanh:
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_tanh, 0.f, 0.f);
      break;
  }
  return po;
}

}  // namespace

size_t dtype_bytes(DType t) { return t == DType::bf16 ? 2 : 4; }

Activation parse_activation(const std::string& name) {
  if (name == "quick_gelu") return Activation::quick_gelu;
  if (name == "gelu") return Activation::gelu;
  if (name == "gelu_tanh") return Activation::gelu_tanh;
  core::fail(ErrorCode::unsupported, "activation", "unknown activation '" + name + "'");
}

struct DnnlContext::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

DnnlContext::DnnlContext() : impl_(std::make_unique<Impl>()) {}
DnnlContext::~DnnlContext() = default;
dnnl::engine& DnnlContext::engine() { return impl_->engine; }
dnnl::stream& DnnlContext::stream() { return impl_->stream; }

Dense::Dense(int in, int out, DType wtype, std::vector<uint8_t> weights, std::vector<float> bias)
    : in_(in), out_(out), wtype_(wtype), weights_(std::move(weights)), bias_(std::move(bias)) {
  if (weights_.size() != static_cast<size_t>(in) * out * dtype_bytes(wtype) ||
      (!bias_.empty() && bias_.size() != static_cast<size_t>(out))) {
    core::fail(ErrorCode::internal, "Dense", "weight or bias size does not match its shape");
  }
}
Dense::~Dense() = default;
Dense::Dense(Dense&&) noexcept = default;
Dense& Dense::operator=(Dense&&) noexcept = default;

void Dense::forward(DnnlContext& ctx, const void* x, int m, void* y, DType y_type, Activation act,
                    bool accumulate) const {
  if (m == 0) return;
  const dt wt = to_dnnl(wtype_);
  memory::desc src_md({m, in_}, wt, tag::ab);
  memory::desc w_md({in_, out_}, wt, tag::ba);  // [out, in] row-major read as its transpose
  memory::desc dst_md({m, out_}, to_dnnl(y_type), tag::ab);
  memory::desc bias_md({1, out_}, dt::f32, tag::ab);
  auto key = std::make_tuple(m, static_cast<int>(y_type), static_cast<int>(act), accumulate);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    dnnl::primitive_attr attr;
    attr.set_post_ops(make_post_ops(act, accumulate));
    auto desc = bias_.empty() ? dnnl::matmul::desc(src_md, w_md, dst_md) : dnnl::matmul::desc(src_md, w_md, bias_md, dst_md);
    dnnl::matmul::primitive_desc pd(desc, attr, ctx.engine());
    it = cache_.emplace(key, std::make_shared<dnnl::matmul>(pd)).first;
  }
  auto& eng = ctx.engine();
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(src_md, eng, const_cast<void*>(x))},
      {DNNL_ARG_WEIGHTS, memory(w_md, eng, const_cast<uint8_t*>(weights_.data()))},
      {DNNL_ARG_DST, memory(dst_md, eng, y)}};
  if (!bias_.empty()) args.emplace(DNNL_ARG_BIAS, memory(bias_md, eng, const_cast<float*>(bias_.data())));
  it->second->execute(ctx.stream(), args);
  ctx.stream().wait();
}

void batched_matmul(DnnlContext& ctx, const BatchedMatmul& s, const void* a, const void* b, void* c) {
  if (s.batch == 0 || s.m == 0 || s.n == 0) return;
  const dt in = to_dnnl(s.in_type);
  memory::desc a_md({s.batch, s.m, s.k}, in, tag::abc);
  memory::desc b_md({s.batch, s.k, s.n}, in, s.b_transposed ? tag::acb : tag::abc);
  memory::desc c_md;
  if (s.c_row_stride > 0) {
    const int outer = s.batch / s.heads;
    c_md = memory::desc({outer, s.heads, s.m, s.n}, to_dnnl(s.out_type),
                        memory::dims{static_cast<memory::dim>(s.m) * s.c_row_stride, s.n, s.c_row_stride, 1});
    a_md = memory::desc({outer, s.heads, s.m, s.k}, in, tag::abcd);
    b_md = memory::desc({outer, s.heads, s.k, s.n}, in, s.b_transposed ? tag::abdc : tag::abcd);
  } else {
    c_md = memory::desc({s.batch, s.m, s.n}, to_dnnl(s.out_type), tag::abc);
  }
  dnnl::primitive_attr attr;
  if (s.scale != 1.f) attr.set_output_scales(0, {s.scale});
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md), attr, ctx.engine());
  dnnl::matmul prim(pd);  // oneDNN's primitive cache makes re-creation cheap
  auto& eng = ctx.engine();
  prim.execute(ctx.stream(), {{DNNL_ARG_SRC, memory(a_md, eng, const_cast<void*>(a))},
                              {DNNL_ARG_WEIGHTS, memory(b_md, eng, const_cast<void*>(b))},
                              {DNNL_ARG_DST, memory(c_md, eng, c)}});
  ctx.stream().wait();
}

}  // namespace ants::linalg
