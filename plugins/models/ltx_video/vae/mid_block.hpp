// diffusers' LTXVideoMidBlock3d: resnets at one width; when timestep-conditioned, its own time_embedder turns the
// (scaled) decode timestep into the resnets' [B, 4 * C] scale/shift input.
#pragma once

#include <memory>
#include <vector>

#include "vae/resnet_block.hpp"
#include "vae/timestep_embedding.hpp"

namespace finetrain::ltx_video::vae {

struct MidBlockOptions {
  int64_t channels = 0;
  int64_t num_layers = 1;
  double resnet_eps = 1e-6;
  bool is_causal = true;
  bool inject_noise = false;
  bool timestep_conditioning = false;
};

class MidBlock3d : public torch::nn::Module {
 public:
  MidBlock3d(const MidBlockOptions& block, const at::TensorOptions& options);
  // timestep: [B] (already multiplied by the decoder's timestep_scale_multiplier) or undefined.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& timestep, c10::optional<at::Generator> generator) const;

 private:
  std::shared_ptr<CombinedTimestepEmbedding> time_embedder_;
  std::vector<std::shared_ptr<ResnetBlock3d>> resnets_;
};

// [B] timesteps -> [B, 4 * C, 1, 1, 1] through `embedder` (diffusers: temb.view(B, -1, 1, 1, 1)).
at::Tensor embed_block_timestep(const CombinedTimestepEmbedding& embedder, const at::Tensor& timestep,
                                const at::Tensor& hidden);

}  // namespace finetrain::ltx_video::vae
