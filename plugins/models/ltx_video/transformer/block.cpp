#include "transformer/block.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/randn.h>

#include <cmath>
#include <string>

namespace finetrain::ltx_video {
namespace {

constexpr int64_t kModulations = 6;

LtxAttentionOptions attention_options(const LtxTransformerConfig& c, int64_t index, const char* name,
                                      int64_t context_dim) {
  LtxAttentionOptions o;
  o.site = "transformer_blocks." + std::to_string(index) + "." + name;
  o.query_dim = c.inner_dim();
  o.context_dim = context_dim;
  o.heads = c.num_attention_heads;
  o.head_dim = c.attention_head_dim;
  o.bias = c.attention_bias;
  o.out_bias = c.attention_out_bias;
  return o;
}

}  // namespace

LtxVideoTransformerBlockImpl::LtxVideoTransformerBlockImpl(const LtxTransformerConfig& c, int64_t index) {
  const int64_t dim = c.inner_dim();
  norm1 = register_module("norm1", RMSNorm(dim, c.norm_eps, c.norm_elementwise_affine));
  attn1 = register_module("attn1", LtxAttention(attention_options(c, index, "attn1", dim)));
  norm2 = register_module("norm2", RMSNorm(dim, c.norm_eps, c.norm_elementwise_affine));
  attn2 = register_module("attn2", LtxAttention(attention_options(c, index, "attn2", c.cross_attention_dim)));
  ff = register_module("ff", FeedForward(dim));
  scale_shift_table =
      register_parameter("scale_shift_table", at::randn({kModulations, dim}) / std::sqrt(static_cast<double>(dim)));
}

at::Tensor LtxVideoTransformerBlockImpl::forward(const at::Tensor& hidden_in, const at::Tensor& encoder_hidden,
                                                 const at::Tensor& temb, const RotaryEmbedding& rope,
                                                 const at::Tensor& encoder_mask) {
  const int64_t batch = hidden_in.size(0);
  // [1, 1, 6, D] + [B, T, 6, D] -> six [B, T, D] modulations, broadcast over the tokens when T = 1.
  const at::Tensor ada =
      scale_shift_table.unsqueeze(0).unsqueeze(0) + temb.reshape({batch, temb.size(1), kModulations, -1});
  const auto mod = ada.unbind(2);
  const at::Tensor &shift_msa = mod[0], &scale_msa = mod[1], &gate_msa = mod[2];
  const at::Tensor &shift_mlp = mod[3], &scale_mlp = mod[4], &gate_mlp = mod[5];

  at::Tensor hidden = hidden_in;
  const at::Tensor norm_hidden = norm1(hidden) * (1 + scale_msa) + shift_msa;
  hidden = hidden + attn1(norm_hidden, at::Tensor(), at::Tensor(), &rope) * gate_msa;
  hidden = hidden + attn2(hidden, encoder_hidden, encoder_mask, nullptr);
  const at::Tensor norm_ff = norm2(hidden) * (1 + scale_mlp) + shift_mlp;
  return hidden + ff(norm_ff) * gate_mlp;
}

}  // namespace finetrain::ltx_video
