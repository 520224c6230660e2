// LTXVideoTransformerBlock (transformer_ltx.py @ 58eb52c0): adaLN-single modulated self-attention
// with RoPE, un-modulated cross-attention to the captions, modulated gelu-tanh feed-forward.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "transformer/attention.hpp"
#include "transformer/config.hpp"
#include "transformer/feed_forward.hpp"
#include "transformer/rms_norm.hpp"
#include "transformer/rope.hpp"

namespace finetrain::ltx_video {

class LtxVideoTransformerBlockImpl : public torch::nn::Module {
 public:
  // `index` names the attention sites "transformer_blocks.<index>.attn1" / ".attn2".
  LtxVideoTransformerBlockImpl(const LtxTransformerConfig& config, int64_t index);

  // hidden [B, L, D]; encoder_hidden [B, S, D] (projected captions); temb [B, T, 6 * D] with T = 1
  // (one timestep per sample) or T = L (one per token); encoder_mask additive, broadcastable to
  // [B, heads, L, S], or undefined.
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& encoder_hidden, const at::Tensor& temb,
                     const RotaryEmbedding& rope, const at::Tensor& encoder_mask);

  RMSNorm norm1{nullptr};
  LtxAttention attn1{nullptr};
  RMSNorm norm2{nullptr};
  LtxAttention attn2{nullptr};
  FeedForward ff{nullptr};
  at::Tensor scale_shift_table;  // [6, D]: shift, scale, gate of attention, then of the feed-forward
};
TORCH_MODULE(LtxVideoTransformerBlock);

}  // namespace finetrain::ltx_video
