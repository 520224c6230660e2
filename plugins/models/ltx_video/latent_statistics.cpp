#include "latent_statistics.hpp"

#include <ATen/TensorOperators.h>

namespace finetrain::ltx_video {
namespace {
at::Tensor per_channel(const at::Tensor& v, const at::Tensor& like) {
  return v.view({1, -1, 1, 1, 1}).to(like.device(), like.scalar_type());
}
}  // namespace

at::Tensor LatentStatistics::normalize(const at::Tensor& latents) const {
  return (latents - per_channel(mean, latents)) * scaling_factor / per_channel(std, latents);
}

at::Tensor LatentStatistics::denormalize(const at::Tensor& latents) const {
  return latents * per_channel(std, latents) / scaling_factor + per_channel(mean, latents);
}

}  // namespace finetrain::ltx_video
