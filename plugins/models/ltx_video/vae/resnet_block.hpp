// diffusers' LTXVideoResnetBlock3d: RMSNorm -> [timestep scale/shift] -> SiLU -> conv1 -> [noise] -> RMSNorm ->
// [timestep scale/shift] -> SiLU -> conv2 -> [noise], plus a shortcut (LayerNorm + 1x1x1 conv when the width
// changes). Dropout is left out: every LTX VAE uses dropout 0 and the VAE is not trained here.
#pragma once

#include <c10/util/Optional.h>

#include <memory>

#include "vae/causal_conv3d.hpp"

namespace finetrain::ltx_video::vae {

struct ResnetBlockOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  double eps = 1e-6;  // of the shortcut LayerNorm; the RMS norms use 1e-8 as in diffusers
  bool is_causal = true;
  bool inject_noise = false;           // per_channel_scale1/2: spatial noise scaled per channel
  bool timestep_conditioning = false;  // scale_shift_table [4, in_channels]
};

class ResnetBlock3d : public torch::nn::Module, public RandomInit {
 public:
  ResnetBlock3d(const ResnetBlockOptions& block, const at::TensorOptions& options);
  // temb: [B, 4 * in_channels, 1, 1, 1] when timestep-conditioned, else ignored. generator: required when the
  // block injects noise.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, c10::optional<at::Generator> generator) const;
  void reset_parameters(at::Generator& generator) override;

 private:
  at::Tensor add_noise(const at::Tensor& h, const at::Tensor& scale, c10::optional<at::Generator> generator) const;

  ResnetBlockOptions block_;
  std::shared_ptr<CausalConv3d> conv1_;
  std::shared_ptr<CausalConv3d> conv2_;
  std::shared_ptr<ChannelLayerNorm> norm3_;
  std::shared_ptr<CausalConv3d> conv_shortcut_;
  at::Tensor per_channel_scale1_;
  at::Tensor per_channel_scale2_;
  at::Tensor scale_shift_table_;
};

}  // namespace finetrain::ltx_video::vae
