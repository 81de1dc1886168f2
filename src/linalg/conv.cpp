#include "linalg/conv.h"

#include <dnnl.hpp>
#include <string>

#include "core/error.h"

namespace ants::linalg {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

// A primitive for one input shape, with the weights reordered once into the layout it chose.
struct Conv2d::Prepared {
  dnnl::convolution_forward prim;
  memory weights;
};

Conv2d::Conv2d(int in, int out, int kernel, int stride, int pad, std::vector<float> weight, std::vector<float> bias)
    : in_(in), out_(out), kernel_(kernel), stride_(stride), pad_(pad), weight_(std::move(weight)), bias_(std::move(bias)) {
  if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || pad < 0 ||
      weight_.size() != static_cast<size_t>(out) * in * kernel * kernel || bias_.size() != static_cast<size_t>(out)) {
    core::fail(ErrorCode::internal, "Conv2d", "weight or bias size does not match its shape");
  }
}
Conv2d::~Conv2d() = default;
Conv2d::Conv2d(Conv2d&&) noexcept = default;
Conv2d& Conv2d::operator=(Conv2d&&) noexcept = default;

void Conv2d::forward(DnnlContext& ctx, const float* x, int n, int h, int w, float* y, bool relu, bool accumulate) const {
  if (n == 0) return;
  const int oh = out_size(h), ow = out_size(w);
  if (oh <= 0 || ow <= 0) core::fail(ErrorCode::invalid_argument, "Conv2d", "input of " + std::to_string(h) + "x" + std::to_string(w) + " is smaller than the kernel");
  auto& eng = ctx.engine();
  memory::desc src_md({n, in_, h, w}, dt::f32, tag::nhwc);
  memory::desc dst_md({n, out_, oh, ow}, dt::f32, tag::nhwc);
  memory::desc bias_md({out_}, dt::f32, tag::x);
  memory::desc plain_w({out_, in_, kernel_, kernel_}, dt::f32, tag::oihw);
  auto key = std::make_tuple(n, h, w, relu, accumulate);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    memory::desc any_w({out_, in_, kernel_, kernel_}, dt::f32, tag::any);
    dnnl::post_ops po;
    if (accumulate) po.append_sum(1.f);
    if (relu) po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md,
                                         any_w, bias_md, dst_md, {stride_, stride_}, {pad_, pad_}, {pad_, pad_});
    dnnl::convolution_forward::primitive_desc pd(desc, attr, eng);
    auto prep = std::make_shared<Prepared>();
    prep->prim = dnnl::convolution_forward(pd);
    // Shapes that choose the same weight layout share one reordered copy.
    for (const auto& [other_key, other] : cache_) {
      if (other->weights.get_desc() == pd.weights_desc()) prep->weights = other->weights;
    }
    if (!prep->weights) {
      prep->weights = memory(pd.weights_desc(), eng);
      memory plain(plain_w, eng, const_cast<float*>(weight_.data()));
      dnnl::reorder(plain, prep->weights).execute(ctx.stream(), plain, prep->weights);
      ctx.stream().wait();
    }
    it = cache_.emplace(key, std::move(prep)).first;
  }
  it->second->prim.execute(ctx.stream(), {{DNNL_ARG_SRC, memory(src_md, eng, const_cast<float*>(x))},
                                          {DNNL_ARG_WEIGHTS, it->second->weights},
                                          {DNNL_ARG_BIAS, memory(bias_md, eng, const_cast<float*>(bias_.data()))},
                                          {DNNL_ARG_DST, memory(dst_md, eng, y)}});
  ctx.stream().wait();
}

void avg_pool(DnnlContext& ctx, const float* x, int n, int h, int w, int c, int k, float* y) {
  const int oh = h / k, ow = w / k;
  if (n == 0) return;
  if (oh <= 0 || ow <= 0) core::fail(ErrorCode::invalid_argument, "avg_pool", "input of " + std::to_string(h) + "x" + std::to_string(w) + " is smaller than the window");
  auto& eng = ctx.engine();
  // NHWC strides of the whole input over the part the windows cover: the remainder is skipped.
  const memory::dim hw = static_cast<memory::dim>(h) * w;
  memory::desc src_md({n, c, oh * k, ow * k}, dt::f32, memory::dims{hw * c, 1, static_cast<memory::dim>(w) * c, c});
  memory::desc dst_md({n, c, oh, ow}, dt::f32, tag::nhwc);
  dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, src_md,
                                   dst_md, {k, k}, {k, k}, {0, 0}, {0, 0});
  dnnl::pooling_forward prim(dnnl::pooling_forward::primitive_desc(desc, eng));  // oneDNN caches the primitive
  prim.execute(ctx.stream(), {{DNNL_ARG_SRC, memory(src_md, eng, const_cast<float*>(x))}, {DNNL_ARG_DST, memory(dst_md, eng, y)}});
  ctx.stream().wait();
}

}  // namespace ants::linalg
