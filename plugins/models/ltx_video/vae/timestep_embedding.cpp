#include "vae/timestep_embedding.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/exp.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/zeros.h>

#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video::vae {

at::Tensor sinusoidal_timestep_embedding(const at::Tensor& timesteps, int64_t dim) {
  if (timesteps.dim() != 1)
    throw Error("timestep embedding: expected 1-D timesteps [N], found " + std::to_string(timesteps.dim()) + "-D");
  const int64_t half = dim / 2;
  // Same op order and dtypes as diffusers (float32 frequencies, timesteps cast to float32).
  at::Tensor exponent = at::arange(0, half, timesteps.options().dtype(at::kFloat)) * (-std::log(10000.0));
  exponent = exponent / static_cast<double>(half);
  const at::Tensor args = timesteps.unsqueeze(1).to(at::kFloat) * at::exp(exponent).unsqueeze(0);
  at::Tensor embedding = at::cat({at::cos(args), at::sin(args)}, -1);
  if (dim % 2 == 1) embedding = at::cat({embedding, at::zeros({embedding.size(0), 1}, embedding.options())}, -1);
  return embedding;
}

TimestepEmbedding::TimestepEmbedding(int64_t in_channels, int64_t embed_dim, const at::TensorOptions& options)
    : torch::nn::Module("TimestepEmbedding") {
  linear_1_ = register_module("linear_1", std::make_shared<Linear>(in_channels, embed_dim, options));
  linear_2_ = register_module("linear_2", std::make_shared<Linear>(embed_dim, embed_dim, options));
}

at::Tensor TimestepEmbedding::forward(const at::Tensor& x) const {
  return linear_2_->forward(at::silu(linear_1_->forward(x)));
}

CombinedTimestepEmbedding::CombinedTimestepEmbedding(int64_t embed_dim, const at::TensorOptions& options)
    : torch::nn::Module("PixArtAlphaCombinedTimestepSizeEmbeddings") {
  timestep_embedder_ =
      register_module("timestep_embedder", std::make_shared<TimestepEmbedding>(kProjectionDim, embed_dim, options));
}

at::Tensor CombinedTimestepEmbedding::forward(const at::Tensor& timesteps, c10::ScalarType dtype) const {
  return timestep_embedder_->forward(sinusoidal_timestep_embedding(timesteps, kProjectionDim).to(dtype));
}

}  // namespace finetrain::ltx_video::vae
