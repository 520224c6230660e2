#include "layers.hpp"

#include <ATen/Functions.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

namespace toy_pixel {

Linear::Linear(int64_t in_features, int64_t out_features) {
  weight_ = register_parameter("weight", at::empty({out_features, in_features}));
  bias_ = register_parameter("bias", at::empty({out_features}));
}

at::Tensor Linear::forward(const at::Tensor& x) const { return at::linear(x, weight_, bias_); }

void Linear::reset_parameters(at::Generator generator) {
  at::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(weight_.size(1)));
  weight_.uniform_(-bound, bound, generator);
  bias_.uniform_(-bound, bound, generator);
}

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim) {
  weight_ = register_parameter("weight", at::empty({num_embeddings, embedding_dim}));
}

at::Tensor Embedding::forward(const at::Tensor& ids) const { return at::embedding(weight_, ids); }

void Embedding::reset_parameters(at::Generator generator) {
  at::NoGradGuard no_grad;
  weight_.normal_(0.0, 1.0, generator);
}

std::shared_ptr<torch::nn::Module> make_namespace_module() { return std::make_shared<torch::nn::Module>(); }

void reset_parameters(torch::nn::Module& root, at::Generator generator) {
  auto reset = [&generator](torch::nn::Module& module) {
    if (auto* linear = dynamic_cast<Linear*>(&module)) linear->reset_parameters(generator);
    if (auto* embedding = dynamic_cast<Embedding*>(&module)) embedding->reset_parameters(generator);
  };
  reset(root);
  for (const auto& module : root.modules(/*include_self=*/false)) reset(*module);
}

}  // namespace toy_pixel
