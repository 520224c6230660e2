// diffusers' DiagonalGaussianDistribution (autoencoders/vae.py): the encoder's moments split along channels into
// mean and logvar, logvar clamped to [-30, 20].
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace finetrain::ltx_video::vae {

class DiagonalGaussianDistribution {
 public:
  // moments [B, 2C, ...] = [mean | logvar].
  explicit DiagonalGaussianDistribution(const at::Tensor& moments);

  const at::Tensor& moments() const { return moments_; }
  const at::Tensor& mean() const { return mean_; }
  const at::Tensor& logvar() const { return logvar_; }
  at::Tensor std() const;  // exp(0.5 * logvar)
  at::Tensor var() const;  // exp(logvar)
  at::Tensor mode() const { return mean_; }
  // mean + std * N(0, 1), the noise drawn from `generator` only (on the generator's device, then moved).
  at::Tensor sample(at::Generator generator) const;

 private:
  at::Tensor moments_;
  at::Tensor mean_;
  at::Tensor logvar_;
};

}  // namespace finetrain::ltx_video::vae
