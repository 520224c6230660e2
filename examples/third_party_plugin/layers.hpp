// Layers shared by the toy-pixel modules. Parameters are created uninitialised and filled by
// reset_parameters() from an explicit generator, so building a preset never touches LibTorch's
// global RNG (plugins leave global torch state alone).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>

namespace toy_pixel {

// y = x W^T + b; parameters "weight" [out, in] and "bias" [out], as in torch.nn.Linear.
class Linear : public torch::nn::Module {
 public:
  Linear(int64_t in_features, int64_t out_features);
  at::Tensor forward(const at::Tensor& x) const;
  const at::Tensor& weight() const { return weight_; }
  // torch.nn.Linear's default: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
  void reset_parameters(at::Generator generator);

 private:
  at::Tensor weight_;
  at::Tensor bias_;
};

// Lookup table; parameter "weight" [num, dim], as in torch.nn.Embedding.
class Embedding : public torch::nn::Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim);
  at::Tensor forward(const at::Tensor& ids) const;
  const at::Tensor& weight() const { return weight_; }
  void reset_parameters(at::Generator generator);  // N(0, 1), torch.nn.Embedding's default

 private:
  at::Tensor weight_;
};

// An empty module that only gives its children a path segment (e.g. "net" in "ff.net.0.proj").
std::shared_ptr<torch::nn::Module> make_namespace_module();

// Initialises every Linear and Embedding under `root`, in registration order.
void reset_parameters(torch::nn::Module& root, at::Generator generator);

}  // namespace toy_pixel
