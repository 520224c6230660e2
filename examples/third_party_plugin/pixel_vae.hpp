// The toy-pixel "VAE", "ToyPixelIdentityVAE": pixels are the latents. Encoding keeps the pixels as
// they are (that is what gets cached); the family's latent normalisation is a fixed per-channel
// affine map, latents = (pixels - latents_mean) / latents_std, undone by decoding.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "component_configs.hpp"

namespace toy_pixel {

class PixelVae {
 public:
  PixelVae(const VaeConfig& config, c10::Device device, c10::ScalarType dtype);
  int64_t channels() const { return mean_.size(1); }

  // pixels [B, C, F, H, W] in [-1, 1] -> raw latents (the same values, on this device and dtype).
  at::Tensor encode(const at::Tensor& pixels) const;
  // raw latents -> normalised latents, the denoiser's space.
  at::Tensor normalize(const at::Tensor& raw_latents) const;
  // normalised latents -> pixels in [-1, 1].
  at::Tensor decode(const at::Tensor& latents) const;

 private:
  void check_layout(const at::Tensor& t, const char* what) const;

  at::Tensor mean_;  // [1, C, 1, 1, 1]
  at::Tensor std_;
};

}  // namespace toy_pixel
