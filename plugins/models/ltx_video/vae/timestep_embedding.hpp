// The decoder's timestep conditioning: diffusers' PixArtAlphaCombinedTimestepSizeEmbeddings(dim, 0) without
// additional conditions, i.e. Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0) followed by
// TimestepEmbedding(256, dim) ("timestep_embedder.linear_1", SiLU, "timestep_embedder.linear_2").
#pragma once

#include <memory>

#include "vae/layers.hpp"

namespace finetrain::ltx_video::vae {

// diffusers' get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0): [N] -> [N, dim]
// float32, [cos | sin] of t * exp(-ln(10000) * k / (dim / 2)).
at::Tensor sinusoidal_timestep_embedding(const at::Tensor& timesteps, int64_t dim);

// diffusers' TimestepEmbedding(in_channels, time_embed_dim) with the default SiLU and no extras.
class TimestepEmbedding : public torch::nn::Module {
 public:
  TimestepEmbedding(int64_t in_channels, int64_t embed_dim, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  std::shared_ptr<Linear> linear_1_;
  std::shared_ptr<Linear> linear_2_;
};

class CombinedTimestepEmbedding : public torch::nn::Module {
 public:
  static constexpr int64_t kProjectionDim = 256;
  CombinedTimestepEmbedding(int64_t embed_dim, const at::TensorOptions& options);
  // timesteps [N] -> [N, embed_dim] in `dtype` (the hidden states' dtype, as diffusers' hidden_dtype).
  at::Tensor forward(const at::Tensor& timesteps, c10::ScalarType dtype) const;

 private:
  std::shared_ptr<TimestepEmbedding> timestep_embedder_;
};

}  // namespace finetrain::ltx_video::vae
