// oneDNN 2-D convolutions and average pooling on NHWC float32 activations: the ResNet CLIP
// vision tower (OpenAI's ModifiedResNet) runs on these.
#pragma once

#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "linalg/matmul.h"

namespace ants::linalg {

// y = relu?(conv(x) + b (+ y when accumulate)); float32, NHWC activations.
class Conv2d {
 public:
  Conv2d() = default;
  // weight: [out, in, kernel, kernel] as PyTorch's nn.Conv2d; bias: [out]; square stride and
  // symmetric zero padding.
  Conv2d(int in, int out, int kernel, int stride, int pad, std::vector<float> weight, std::vector<float> bias);
  ~Conv2d();
  Conv2d(Conv2d&&) noexcept;
  Conv2d& operator=(Conv2d&&) noexcept;

  int in() const { return in_; }
  int out() const { return out_; }
  // Output height (or width) for an input of `size` pixels.
  int out_size(int size) const { return (size + 2 * pad_ - kernel_) / stride_ + 1; }

  // x: [n, h, w, in] -> y: [n, out_size(h), out_size(w), out]. Not thread-safe (primitive
  // cache); the model serialises. With `accumulate`, y's content is added before the relu.
  void forward(DnnlContext& ctx, const float* x, int n, int h, int w, float* y, bool relu, bool accumulate = false) const;

 private:
  struct Prepared;
  int in_ = 0, out_ = 0, kernel_ = 1, stride_ = 1, pad_ = 0;
  std::vector<float> weight_, bias_;
  mutable std::map<std::tuple<int, int, int, bool, bool>, std::shared_ptr<Prepared>> cache_;
};

// y[n, h/k, w/k, c] = mean of each k x k window, stride k, no padding (PyTorch's AvgPool2d(k):
// a remainder row or column is dropped).
void avg_pool(DnnlContext& ctx, const float* x, int n, int h, int w, int c, int k, float* y);

}  // namespace ants::linalg
