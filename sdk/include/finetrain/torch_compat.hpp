// The one place where LibTorch version differences live. finetrain builds against Debian's
// LibTorch 1.13 and against LibTorch 2.x; everything that differs between them is wrapped here.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>
#include <torch/version.h>

#include <cmath>

#define FT_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// float8 dtypes (safetensors F8_E4M3 / F8_E5M2) exist from LibTorch 2.1.
#define FT_HAS_FLOAT8 FT_TORCH_AT_LEAST(2, 1)

#if FT_TORCH_AT_LEAST(2, 0)
#include <ATen/ops/scaled_dot_product_attention.h>
#else
#include <ATen/ops/_scaled_dot_product_attention.h>
#endif
#include <ATen/ops/mul.h>

namespace finetrain::compat {

// LibTorch's scaled-dot-product attention op. q [B,H,Lq,D], k/v [B,H,Lkv,D]; mask undefined, bool
// (True = attend) or additive; `scale` multiplies q.k. Before 2.1 the op has no scale argument and
// always uses 1/sqrt(D): q is pre-multiplied by scale*sqrt(D) so the result matches for any scale.
inline at::Tensor scaled_dot_product_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                               const at::Tensor& mask, bool causal, double scale) {
  c10::optional<at::Tensor> attn_mask;
  if (mask.defined()) attn_mask = mask;
#if FT_TORCH_AT_LEAST(2, 1)
  return at::scaled_dot_product_attention(q, k, v, attn_mask, 0.0, causal, scale);
#else
  const double default_scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const at::Tensor query = scale == default_scale ? q : at::mul(q, scale / default_scale);
#if FT_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(query, k, v, attn_mask, 0.0, causal);
#else
  return std::get<0>(at::_scaled_dot_product_attention(query, k, v, attn_mask, 0.0, false, causal));
#endif
#endif
}

// Whether that op has a fused (flash) CPU kernel. It arrived in 2.1; before, the op runs the
// unfused composite on CPU (the same work and O(L^2) memory as plain matmul + softmax).
constexpr bool kSdpaHasFusedCpuKernel = FT_TORCH_AT_LEAST(2, 1);

}  // namespace finetrain::compat
