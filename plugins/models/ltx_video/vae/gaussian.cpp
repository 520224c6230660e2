#include "vae/gaussian.hpp"

#include <ATen/ops/clamp.h>
#include <ATen/ops/exp.h>
#include <c10/util/StringUtil.h>

#include "finetrain/error.hpp"
#include "vae/noise.hpp"

namespace finetrain::ltx_video::vae {

DiagonalGaussianDistribution::DiagonalGaussianDistribution(const at::Tensor& moments) : moments_(moments) {
  if (moments.dim() < 2 || moments.size(1) % 2 != 0)
    throw Error("DiagonalGaussianDistribution: expected moments [B, 2C, ...], found " + c10::str(moments.sizes()));
  const auto halves = moments.chunk(2, 1);
  mean_ = halves[0];
  logvar_ = at::clamp(halves[1], -30.0, 20.0);
}

at::Tensor DiagonalGaussianDistribution::std() const { return at::exp(logvar_.mul(0.5)); }

at::Tensor DiagonalGaussianDistribution::var() const { return at::exp(logvar_); }

at::Tensor DiagonalGaussianDistribution::sample(at::Generator generator) const {
  if (!generator.defined()) throw Error("DiagonalGaussianDistribution::sample: the generator is undefined");
  return mean_.add(std().mul(randn_from(mean_.sizes(), generator, mean_.options())));
}

}  // namespace finetrain::ltx_video::vae
