// diffusers' LTXVideoUpBlock3d: [conv_in resnet when the width changes] -> [time embedding] -> [upsampler] ->
// resnets. The upsampler works on out_channels * upsample_factor channels and returns out_channels.
#pragma once

#include <memory>
#include <vector>

#include "vae/resampling.hpp"
#include "vae/resnet_block.hpp"
#include "vae/timestep_embedding.hpp"

namespace finetrain::ltx_video::vae {

struct UpBlockOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t num_layers = 1;
  double resnet_eps = 1e-6;
  bool spatio_temporal_scale = true;
  bool is_causal = false;
  bool inject_noise = false;
  bool timestep_conditioning = false;
  bool upsample_residual = false;
  int64_t upsample_factor = 1;
};

class UpBlock3d : public torch::nn::Module {
 public:
  UpBlock3d(const UpBlockOptions& block, const at::TensorOptions& options);
  // timestep: [B] (already scaled by the decoder) or undefined.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& timestep, c10::optional<at::Generator> generator) const;

 private:
  std::shared_ptr<CombinedTimestepEmbedding> time_embedder_;
  std::shared_ptr<ResnetBlock3d> conv_in_;
  std::shared_ptr<Upsampler3d> upsampler_;
  std::vector<std::shared_ptr<ResnetBlock3d>> resnets_;
};

}  // namespace finetrain::ltx_video::vae
