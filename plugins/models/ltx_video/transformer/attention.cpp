#include "transformer/attention.hpp"

#include <torch/nn/options/linear.h>

namespace finetrain::ltx_video {
namespace {

// LTXAttention hard-codes torch.nn.RMSNorm(eps=1e-5, elementwise_affine=True) for q and k.
constexpr double kQkNormEps = 1e-5;

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

}  // namespace

LtxAttentionImpl::LtxAttentionImpl(const LtxAttentionOptions& o) : heads_(o.heads), attention_(o.site) {
  const int64_t inner = o.heads * o.head_dim;
  norm_q = register_module("norm_q", RMSNorm(inner, kQkNormEps, /*elementwise_affine=*/true));
  norm_k = register_module("norm_k", RMSNorm(inner, kQkNormEps, /*elementwise_affine=*/true));
  to_q = register_module("to_q", linear(o.query_dim, inner, o.bias));
  to_k = register_module("to_k", linear(o.context_dim, inner, o.bias));
  to_v = register_module("to_v", linear(o.context_dim, inner, o.bias));
  // diffusers' to_out is a ModuleList [Linear, Dropout(0.0)]; only index 0 has parameters.
  auto to_out = register_module("to_out", std::make_shared<torch::nn::Module>("ModuleList"));
  to_out_0 = to_out->register_module("0", linear(inner, o.query_dim, o.out_bias));
}

at::Tensor LtxAttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& context,
                                     const at::Tensor& additive_mask, const RotaryEmbedding* rope) {
  const at::Tensor& kv_input = context.defined() ? context : hidden;
  at::Tensor q = norm_q(to_q(hidden));
  at::Tensor k = norm_k(to_k(kv_input));
  at::Tensor v = to_v(kv_input);
  if (rope) {
    q = apply_rotary_emb(q, *rope);
    k = apply_rotary_emb(k, *rope);
  }
  // [B, L, heads * D] -> [B, heads, L, D]
  auto split_heads = [this](const at::Tensor& t) {
    return t.view({t.size(0), t.size(1), heads_, -1}).transpose(1, 2);
  };
  const at::Tensor out = attention_(split_heads(q), split_heads(k), split_heads(v), additive_mask);
  const at::Tensor merged = out.transpose(1, 2).reshape({hidden.size(0), hidden.size(1), -1}).to(q.scalar_type());
  return to_out_0(merged);
}

}  // namespace finetrain::ltx_video
