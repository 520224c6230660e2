// RMSNorm as diffusers' normalization.RMSNorm computes it: x * rsqrt(mean(x^2) + eps), the mean taken
// in float32, then an optional elementwise weight. LTX's q/k norms are torch.nn.RMSNorm, which gives
// the same values (it upcasts the input instead; with float32, or with weights in the input's
// low-precision dtype, the results are identical), so one module serves both.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace finetrain::ltx_video {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps, bool elementwise_affine);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;  // [dim] when elementwise_affine, else undefined (not a parameter)

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

}  // namespace finetrain::ltx_video
