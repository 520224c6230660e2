// The conditioning embeddings of LTXVideoTransformer3DModel, with diffusers' module and parameter
// names (models/embeddings.py, models/normalization.py @ 58eb52c0):
//   time_embed          AdaLayerNormSingle: emb.timestep_embedder.{linear_1,linear_2}, linear
//   caption_projection  PixArtAlphaTextProjection: linear_1, linear_2
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <utility>

namespace finetrain::ltx_video {

// get_timestep_embedding(timesteps, dim, flip_sin_to_cos=True, downscale_freq_shift=0): [N] -> [N, dim]
// float32 rows [cos(t * f_i), sin(t * f_i)] with f_i = exp(-ln(10000) * i / (dim / 2)). dim must be even.
at::Tensor timestep_sinusoids(const at::Tensor& timesteps, int64_t dim);

// TimestepEmbedding(in_channels, time_embed_dim), act_fn silu: linear_2(silu(linear_1(x))).
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim);
  at::Tensor forward(const at::Tensor& sample);

  torch::nn::Linear linear_1{nullptr};
  torch::nn::Linear linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

// PixArtAlphaCombinedTimestepSizeEmbeddings without additional conditions: the 256-channel
// sinusoidal projection of the timesteps, embedded to `embedding_dim`.
class PixArtAlphaCombinedTimestepSizeEmbeddingsImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kProjectionDim = 256;
  explicit PixArtAlphaCombinedTimestepSizeEmbeddingsImpl(int64_t embedding_dim);
  // timestep [N] -> [N, embedding_dim]; the sinusoids are cast to `hidden_dtype` before embedding.
  at::Tensor forward(const at::Tensor& timestep, c10::ScalarType hidden_dtype);

  TimestepEmbedding timestep_embedder{nullptr};
};
TORCH_MODULE(PixArtAlphaCombinedTimestepSizeEmbeddings);

// AdaLayerNormSingle(embedding_dim, use_additional_conditions=False).
class AdaLayerNormSingleImpl : public torch::nn::Module {
 public:
  explicit AdaLayerNormSingleImpl(int64_t embedding_dim);
  // timestep [N] -> (modulation [N, 6 * dim] = linear(silu(embedded)), embedded timestep [N, dim]).
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& timestep, c10::ScalarType hidden_dtype);

  PixArtAlphaCombinedTimestepSizeEmbeddings emb{nullptr};
  torch::nn::Linear linear{nullptr};
};
TORCH_MODULE(AdaLayerNormSingle);

// PixArtAlphaTextProjection(in_features, hidden_size), act_fn gelu_tanh.
class PixArtAlphaTextProjectionImpl : public torch::nn::Module {
 public:
  PixArtAlphaTextProjectionImpl(int64_t in_features, int64_t hidden_size);
  at::Tensor forward(const at::Tensor& caption);

  torch::nn::Linear linear_1{nullptr};
  torch::nn::Linear linear_2{nullptr};
};
TORCH_MODULE(PixArtAlphaTextProjection);

}  // namespace finetrain::ltx_video
