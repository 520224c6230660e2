// LTXAttention with LTXVideoAttnProcessor (transformer_ltx.py @ 58eb52c0): q/k/v projections,
// RMSNorm across all heads on q and k, optional rotary embedding, scaled dot-product attention
// through the site's finetrain::AttentionHandle, output projection `to_out.0`.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "finetrain/attention.hpp"
#include "transformer/rms_norm.hpp"
#include "transformer/rope.hpp"

namespace finetrain::ltx_video {

struct LtxAttentionOptions {
  std::string site;  // module path, e.g. "transformer_blocks.3.attn1": names the attention handle
  int64_t query_dim = 0;
  int64_t context_dim = 0;  // cross_attention_dim; query_dim for self-attention
  int64_t heads = 0;
  int64_t head_dim = 0;
  bool bias = true;
  bool out_bias = true;
};

class LtxAttentionImpl : public torch::nn::Module {
 public:
  explicit LtxAttentionImpl(const LtxAttentionOptions& options);

  // hidden [B, L, query_dim]; context [B, S, context_dim] or undefined for self-attention;
  // additive_mask broadcastable to [B, heads, L, S] or undefined; rope applied to q and k when given.
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& context, const at::Tensor& additive_mask,
                     const RotaryEmbedding* rope);

  const AttentionHandle& attention() const { return attention_; }

  RMSNorm norm_q{nullptr};
  RMSNorm norm_k{nullptr};
  torch::nn::Linear to_q{nullptr};
  torch::nn::Linear to_k{nullptr};
  torch::nn::Linear to_v{nullptr};
  torch::nn::Linear to_out_0{nullptr};  // registered as "to_out.0" (to_out.1 is diffusers' Dropout(0.0))

 private:
  int64_t heads_;
  AttentionHandle attention_;
};
TORCH_MODULE(LtxAttention);

}  // namespace finetrain::ltx_video
