// diffusers' LTXVideoEncoder3d: patchify (p_t x p x p into channels) -> conv_in -> down blocks -> mid block ->
// RMSNorm -> SiLU -> conv_out (latent_channels + 1) -> [mean | logvar] moments, where the single logvar channel
// is repeated over all latent channels.
#pragma once

#include <memory>
#include <vector>

#include "vae/down_block.hpp"
#include "vae/mid_block.hpp"
#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {

class Encoder3d : public torch::nn::Module {
 public:
  Encoder3d(const LtxVaeConfig& config, const at::TensorOptions& options);
  // pixels [B, in_channels, F, H, W] -> moments [B, 2 * latent_channels, F', H', W'].
  at::Tensor forward(const at::Tensor& pixels) const;

 private:
  int64_t in_channels_;
  int64_t patch_size_;
  int64_t patch_size_t_;
  std::shared_ptr<CausalConv3d> conv_in_;
  std::vector<std::shared_ptr<DownBlock3d>> down_blocks_;
  std::shared_ptr<MidBlock3d> mid_block_;
  std::shared_ptr<CausalConv3d> conv_out_;
};

}  // namespace finetrain::ltx_video::vae
