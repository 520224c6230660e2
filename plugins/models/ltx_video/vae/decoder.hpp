// diffusers' LTXVideoDecoder3d: conv_in -> mid block -> up blocks -> RMSNorm -> [timestep scale/shift] -> SiLU ->
// conv_out -> unpatchify. With timestep_conditioning (LTX-Video 0.9.1+) the decode timestep is multiplied by the
// 0-d parameter timestep_scale_multiplier and embedded by each block; with decoder_inject_noise, resnets add
// spatial noise drawn from the caller's generator.
#pragma once

#include <memory>
#include <vector>

#include "vae/mid_block.hpp"
#include "vae/up_block.hpp"
#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {

class Decoder3d : public torch::nn::Module, public RandomInit {
 public:
  Decoder3d(const LtxVaeConfig& config, const at::TensorOptions& options);
  // latents [B, latent_channels, F, H, W] -> pixels [B, out_channels, F', H', W']. temb: [B] decode timesteps
  // (required with timestep_conditioning). generator: required when any block injects noise.
  at::Tensor forward(const at::Tensor& latents, const at::Tensor& temb, c10::optional<at::Generator> generator) const;
  void reset_parameters(at::Generator& generator) override;

 private:
  int64_t latent_channels_;
  int64_t patch_size_;
  int64_t patch_size_t_;
  std::shared_ptr<CausalConv3d> conv_in_;
  std::shared_ptr<MidBlock3d> mid_block_;
  std::vector<std::shared_ptr<UpBlock3d>> up_blocks_;
  std::shared_ptr<CausalConv3d> conv_out_;
  std::shared_ptr<CombinedTimestepEmbedding> time_embedder_;
  at::Tensor scale_shift_table_;
  at::Tensor timestep_scale_multiplier_;
};

}  // namespace finetrain::ltx_video::vae
