#include "pixel_vae.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <finetrain/error.hpp>

#include <string>

#include "describe.hpp"

namespace toy_pixel {

namespace {

at::Tensor channel_vector(const std::vector<double>& values, c10::Device device, c10::ScalarType dtype) {
  const auto n = static_cast<int64_t>(values.size());
  return at::tensor(values, at::TensorOptions().dtype(at::kDouble)).view({1, n, 1, 1, 1}).to(device, dtype);
}

}  // namespace

PixelVae::PixelVae(const VaeConfig& config, c10::Device device, c10::ScalarType dtype)
    : mean_(channel_vector(config.latents_mean, device, dtype)),
      std_(channel_vector(config.latents_std, device, dtype)) {
  if (config.latents_mean.size() != 3 || config.latents_std.size() != 3)
    throw finetrain::Error("ToyPixelIdentityVAE: latents_mean and latents_std need 3 entries (RGB), found " +
                           std::to_string(config.latents_mean.size()) + " and " +
                           std::to_string(config.latents_std.size()));
}

void PixelVae::check_layout(const at::Tensor& t, const char* what) const {
  if (!t.defined() || t.dim() != 5 || t.size(1) != channels() || !at::isFloatingType(t.scalar_type()))
    throw finetrain::Error(std::string("ToyPixelIdentityVAE: ") + what + " must be a floating tensor [B, " +
                           std::to_string(channels()) + ", F, H, W], found " + describe(t));
}

at::Tensor PixelVae::encode(const at::Tensor& pixels) const {
  check_layout(pixels, "pixels");
  return pixels.to(mean_.device(), mean_.scalar_type());
}

at::Tensor PixelVae::normalize(const at::Tensor& raw_latents) const {
  check_layout(raw_latents, "latents");
  return (raw_latents.to(mean_.device(), mean_.scalar_type()) - mean_) / std_;
}

at::Tensor PixelVae::decode(const at::Tensor& latents) const {
  check_layout(latents, "latents");
  return (latents.to(mean_.device(), mean_.scalar_type()) * std_ + mean_).clamp(-1.0, 1.0);
}

}  // namespace toy_pixel
