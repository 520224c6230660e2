#include "transformer/rms_norm.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rsqrt.h>

namespace finetrain::ltx_video {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps, bool elementwise_affine) : eps_(eps) {
  if (elementwise_affine) weight = register_parameter("weight", at::ones({dim}));
}

at::Tensor RMSNormImpl::forward(const at::Tensor& x) {
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor out = x * at::rsqrt(variance + eps_);
  if (!weight.defined()) return out.to(x.scalar_type());
  // Half-precision weights pull the normalised values down to their dtype before scaling.
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16) out = out.to(weight.scalar_type());
  return out * weight;
}

}  // namespace finetrain::ltx_video
