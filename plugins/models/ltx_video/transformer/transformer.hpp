// LTXVideoTransformer3DModel (diffusers transformer_ltx.py @ 58eb52c0): the LTX-Video denoiser.
// named_parameters() are exactly diffusers' state_dict() keys, so diffusers checkpoints load as they
// are. The blocks run through the owned finetrain::BlockRunner (names "transformer_blocks.<i>"),
// which is where the host adds activation checkpointing, sharding and hooks.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <optional>
#include <vector>

#include "finetrain/block_runner.hpp"
#include "transformer/block.hpp"
#include "transformer/config.hpp"
#include "transformer/embeddings.hpp"
#include "transformer/rope.hpp"

namespace finetrain::ltx_video {

// One forward call, as diffusers' forward(hidden_states, encoder_hidden_states, timestep,
// encoder_attention_mask, num_frames, height, width, rope_interpolation_scale) takes it.
struct LtxTransformerInputs {
  at::Tensor hidden_states;          // [B, L, in_channels]: patchified latent tokens, (f, h, w) row-major
  at::Tensor encoder_hidden_states;  // [B, S, caption_channels]
  // [B] (or [B, 1]) one timestep per sample, or [B, L] one per token (first-frame conditioning):
  // the flow-matching sigma * 1000.
  at::Tensor timestep;
  // [B, S], True / 1 = attend; becomes the additive bias (1 - mask) * -10000. Undefined = no mask.
  at::Tensor encoder_attention_mask;
  TokenGrid grid;  // latent frames, height, width after patching; grid.tokens() == L
  // (temporal compression / frame rate, spatial compression, spatial compression) for the LTX
  // pipelines; nullopt uses the raw grid indices.
  std::optional<std::array<double, 3>> rope_interpolation_scale;
};

class LtxVideoTransformer3DModelImpl : public torch::nn::Module {
 public:
  explicit LtxVideoTransformer3DModelImpl(const LtxTransformerConfig& config);

  // Returns the prediction [B, L, out_channels]. Throws finetrain::Error on inputs whose shapes do
  // not fit the configuration or each other.
  at::Tensor forward(const LtxTransformerInputs& inputs);

  const LtxTransformerConfig& config() const { return config_; }
  BlockRunner& block_runner() { return runner_; }

  torch::nn::Linear proj_in{nullptr};
  at::Tensor scale_shift_table;  // [2, D]: shift and scale of the output norm
  AdaLayerNormSingle time_embed{nullptr};
  PixArtAlphaTextProjection caption_projection{nullptr};
  std::vector<LtxVideoTransformerBlock> transformer_blocks;  // registered as "transformer_blocks.<i>"
  torch::nn::Linear proj_out{nullptr};

 private:
  void check_inputs(const LtxTransformerInputs& inputs) const;

  LtxTransformerConfig config_;
  LtxVideoRotaryPosEmbed rope_;
  BlockRunner runner_;
};
TORCH_MODULE(LtxVideoTransformer3DModel);

}  // namespace finetrain::ltx_video
