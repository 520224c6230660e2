// The toy-pixel denoiser, "ToyPixelTransformer2DModel": every latent pixel is a token, embedded with
// its position, and transformed by a stack of per-token MLP blocks modulated (adaLN) by the
// timestep and the pooled caption. It has no attention, so tokens never mix: a deliberately small
// model that still has every part a real denoiser exposes to finetrain (diffusers key names,
// repeated blocks run through finetrain::BlockRunner, a timestep-conditioned velocity output).
#pragma once

#include <ATen/core/Tensor.h>
#include <finetrain/block_runner.hpp>
#include <torch/nn/module.h>

#include <memory>
#include <vector>

#include "component_configs.hpp"
#include "layers.hpp"

namespace toy_pixel {

// diffusers' FeedForward with GELU(tanh): "net.0.proj" -> gelu -> "net.2".
class FeedForward : public torch::nn::Module {
 public:
  FeedForward(int64_t dim, int64_t inner_dim);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  std::shared_ptr<Linear> proj_in_;   // net.0.proj
  std::shared_ptr<Linear> proj_out_;  // net.2
};

// One repeated block: x + gate * ff(LayerNorm(x) * (1 + scale) + shift), with (shift, scale, gate)
// from "norm1.linear"(silu(conditioning)).
class ToyPixelBlock : public torch::nn::Module {
 public:
  ToyPixelBlock(int64_t hidden_size, int64_t ff_inner_dim);
  // x [B, L, hidden], conditioning [B, hidden].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& conditioning) const;

 private:
  std::shared_ptr<Linear> norm1_linear_;
  std::shared_ptr<FeedForward> ff_;
};

class ToyPixelTransformer : public torch::nn::Module {
 public:
  explicit ToyPixelTransformer(const TransformerConfig& config);
  const TransformerConfig& config() const { return config_; }

  // The repeated blocks, named by their module paths ("transformer_blocks.0", ...).
  std::vector<finetrain::BlockRef> block_refs();

  // hidden_states [B, C_in, F, H, W]; encoder_hidden_states [B, L, caption_channels];
  // encoder_attention_mask [B, L] (1 = word, 0 = padding; undefined = all words); timestep [B] in
  // [0, num_train_timesteps]. Every block runs through `runner`, which must hold block_refs().
  // Returns [B, C_out, F, H, W] in the parameters' dtype.
  at::Tensor forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states,
                     const at::Tensor& encoder_attention_mask, const at::Tensor& timestep,
                     finetrain::BlockRunner& runner) const;

 private:
  at::Tensor embed_conditioning(const at::Tensor& encoder_hidden_states, const at::Tensor& encoder_attention_mask,
                                const at::Tensor& timestep) const;

  TransformerConfig config_;
  std::shared_ptr<Linear> proj_in_;
  std::shared_ptr<Linear> pos_embed_proj_;
  std::shared_ptr<Linear> time_embed_linear_1_;
  std::shared_ptr<Linear> time_embed_linear_2_;
  std::shared_ptr<Linear> context_embedder_;
  std::vector<std::shared_ptr<ToyPixelBlock>> blocks_;
  std::shared_ptr<Linear> norm_out_linear_;
  std::shared_ptr<Linear> proj_out_;
};

// diffusers' get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0):
// [cos(t * f_k), sin(t * f_k)] with f_k = 10000^(-k / (dim/2)). timestep [B] -> [B, dim], float32.
at::Tensor timestep_features(const at::Tensor& timestep, int64_t dim);

// Fourier features of each token's (frame, row, column) centre, normalised to [0, 1]:
// sin and cos of 2^k * pi * coordinate for k < octaves. Returns [F*H*W, 6*octaves], float32.
at::Tensor position_features(int64_t frames, int64_t height, int64_t width, int64_t octaves, c10::Device device);

}  // namespace toy_pixel
