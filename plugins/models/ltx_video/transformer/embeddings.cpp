#include "transformer/embeddings.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/exp.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/sin.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video {

at::Tensor timestep_sinusoids(const at::Tensor& timesteps, int64_t dim) {
  if (timesteps.dim() != 1)
    throw Error(fmt::format("timestep sinusoids: expected a 1-D tensor, found {}-D", timesteps.dim()));
  if (dim % 2 != 0) throw Error(fmt::format("timestep sinusoids: dim must be even, found {}", dim));
  const int64_t half = dim / 2;
  // Same operation order as diffusers, so the float32 rounding matches.
  at::Tensor exponent = at::arange(0, half, timesteps.options().dtype(at::kFloat)) * (-std::log(10000.0));
  exponent = exponent / static_cast<double>(half);
  const at::Tensor args = timesteps.unsqueeze(1).to(at::kFloat) * at::exp(exponent).unsqueeze(0);
  return at::cat({at::cos(args), at::sin(args)}, -1);
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim)
    : linear_1(register_module("linear_1", torch::nn::Linear(in_channels, time_embed_dim))),
      linear_2(register_module("linear_2", torch::nn::Linear(time_embed_dim, time_embed_dim))) {}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample) { return linear_2(at::silu(linear_1(sample))); }

PixArtAlphaCombinedTimestepSizeEmbeddingsImpl::PixArtAlphaCombinedTimestepSizeEmbeddingsImpl(int64_t embedding_dim)
    : timestep_embedder(register_module("timestep_embedder", TimestepEmbedding(kProjectionDim, embedding_dim))) {}

at::Tensor PixArtAlphaCombinedTimestepSizeEmbeddingsImpl::forward(const at::Tensor& timestep,
                                                                  c10::ScalarType hidden_dtype) {
  return timestep_embedder(timestep_sinusoids(timestep, kProjectionDim).to(hidden_dtype));
}

AdaLayerNormSingleImpl::AdaLayerNormSingleImpl(int64_t embedding_dim)
    : emb(register_module("emb", PixArtAlphaCombinedTimestepSizeEmbeddings(embedding_dim))),
      linear(register_module("linear", torch::nn::Linear(embedding_dim, 6 * embedding_dim))) {}

std::pair<at::Tensor, at::Tensor> AdaLayerNormSingleImpl::forward(const at::Tensor& timestep,
                                                                  c10::ScalarType hidden_dtype) {
  at::Tensor embedded = emb(timestep, hidden_dtype);
  return {linear(at::silu(embedded)), embedded};
}

PixArtAlphaTextProjectionImpl::PixArtAlphaTextProjectionImpl(int64_t in_features, int64_t hidden_size)
    : linear_1(register_module("linear_1", torch::nn::Linear(in_features, hidden_size))),
      linear_2(register_module("linear_2", torch::nn::Linear(hidden_size, hidden_size))) {}

at::Tensor PixArtAlphaTextProjectionImpl::forward(const at::Tensor& caption) {
  return linear_2(at::gelu(linear_1(caption), "tanh"));
}

}  // namespace finetrain::ltx_video
