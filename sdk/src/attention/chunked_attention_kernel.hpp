// Block loops of the `chunked` backend: online-softmax forward and a backward that recomputes the
// scores block by block, so neither direction holds more than one [query block x key block] tile
// of scores (plus O(L * D) accumulators).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace finetrain {

struct ChunkedAttentionConfig {
  int64_t query_block = 256;
  int64_t key_block = 1024;
  double scale = 1.0;
  bool causal = false;  // top-left aligned: query i sees keys j <= i
  c10::ScalarType matmul_dtype = c10::ScalarType::Float;  // operands of every matmul
  c10::ScalarType accum_dtype = c10::ScalarType::Float;   // scores, softmax statistics, accumulators
};

struct ChunkedForward {
  at::Tensor out;  // [B, Hq, Lq, D], dtype of q
  at::Tensor lse;  // [B, Hq, Lq] log-sum-exp of each query row's scores, accum dtype
};

struct ChunkedGradients {
  at::Tensor dq, dk, dv;
  at::Tensor dmask;  // defined only when asked for (an additive mask that requires grad)
};

// q [B,Hq,Lq,D], k/v [B,Hkv,Lkv,D] with Hkv dividing Hq; mask undefined, bool (True = attend) or
// additive, broadcastable to [B,Hq,Lq,Lkv].
ChunkedForward chunked_attention_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const at::Tensor& mask, const ChunkedAttentionConfig& config);

ChunkedGradients chunked_attention_backward(const at::Tensor& grad_out, const at::Tensor& q, const at::Tensor& k,
                                            const at::Tensor& v, const at::Tensor& mask, const at::Tensor& out,
                                            const at::Tensor& lse, const ChunkedAttentionConfig& config,
                                            bool want_mask_grad);

}  // namespace finetrain
