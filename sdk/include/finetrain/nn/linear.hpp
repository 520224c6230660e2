// The linear layer model code uses for every layer a LoRA may target.
//
// LibTorch modules call their children through typed members, so an adapter cannot be swapped in
// from outside the way PEFT does in Python. Instead this layer carries optional LoRA factors as
// children named `lora_A` / `lora_B`, giving parameter names `<path>.lora_A.weight` exactly as
// PEFT and diffusers write them:  y = x W^T + b + scale * B(A(dropout(x))),  scale = alpha / rank.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/options/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>

#include "finetrain/export.hpp"

namespace finetrain {

struct FT_SDK_API LoraSettings {
  int64_t rank = 16;
  double alpha = 16.0;
  double dropout = 0.0;
  // "kaiming": A ~ kaiming_uniform(a = sqrt(5)) (PEFT's default), B = 0, so training starts from
  // the base model's output. "gaussian": A ~ N(0, 1/rank), B = 0.
  std::string init = "kaiming";
};

class FT_SDK_API LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  explicit LinearImpl(const torch::nn::LinearOptions& options);

  at::Tensor forward(const at::Tensor& x);

  // ---- LoRA ----
  // Adds trainable factors lora_A [rank, in], lora_B [out, rank] (initialised from `generator`,
  // float32 or the given dtype). Throws when LoRA is already enabled.
  void enable_lora(const LoraSettings& settings, at::Generator generator, c10::ScalarType dtype);
  bool has_lora() const { return lora_rank_ > 0; }
  int64_t lora_rank() const { return lora_rank_; }
  double lora_alpha() const { return lora_alpha_; }
  double lora_scale() const { return lora_rank_ > 0 ? lora_alpha_ / static_cast<double>(lora_rank_) : 0.0; }
  void set_lora_enabled(bool enabled) { lora_active_ = enabled; }  // scale 0 without removing the factors
  // Imported files carry alpha / rank folded into lora_B, so they are applied with alpha = rank.
  void set_lora_alpha(double alpha) { lora_alpha_ = alpha; }
  // Folds scale * B A into the weight (then forward skips the factors) / takes it back out.
  void merge_lora();
  void unmerge_lora();
  bool lora_merged() const { return lora_merged_; }

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  at::Tensor weight;
  at::Tensor bias;  // undefined without bias
  at::Tensor lora_A;  // weight of child "lora_A", undefined without LoRA
  at::Tensor lora_B;

 private:
  int64_t in_features_;
  int64_t out_features_;
  int64_t lora_rank_ = 0;
  double lora_alpha_ = 0.0;
  double lora_dropout_ = 0.0;
  bool lora_active_ = true;
  bool lora_merged_ = false;
};

TORCH_MODULE(Linear);

}  // namespace finetrain
