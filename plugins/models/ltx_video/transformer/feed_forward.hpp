// diffusers FeedForward(dim, activation_fn="gelu-approximate") (attention.py, activations.py @ 58eb52c0):
// net.0 = GELU(dim, 4 * dim, approximate="tanh") holding `proj`, net.1 = Dropout(0.0) (no parameters),
// net.2 = Linear(4 * dim, dim).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace finetrain::ltx_video {

// diffusers activations.GELU: a Linear `proj` followed by the tanh-approximated GELU.
class GeluProjectionImpl : public torch::nn::Module {
 public:
  GeluProjectionImpl(int64_t dim_in, int64_t dim_out);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(GeluProjection);

class FeedForwardImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kMult = 4;
  explicit FeedForwardImpl(int64_t dim);
  at::Tensor forward(const at::Tensor& x);

  GeluProjection net_0{nullptr};   // registered as "net.0"
  torch::nn::Linear net_2{nullptr};  // registered as "net.2"
};
TORCH_MODULE(FeedForward);

}  // namespace finetrain::ltx_video
