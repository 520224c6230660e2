// The VAE's latent normalisation, kept apart from the VAE so that training (which releases the VAE
// after encoding the dataset) can still normalise freshly sampled latents.
#pragma once

#include <ATen/core/Tensor.h>

namespace finetrain::ltx_video {

struct LatentStatistics {
  at::Tensor mean;  // [C] float32
  at::Tensor std;   // [C] float32
  double scaling_factor = 1.0;

  // The LTX pipelines' _normalize_latents / _denormalize_latents over [B, C, F, H, W].
  at::Tensor normalize(const at::Tensor& latents) const;
  at::Tensor denormalize(const at::Tensor& latents) const;
};

}  // namespace finetrain::ltx_video
