// The module tree of the T5 / UMT5 encoder. Each class is named after the transformers module it
// mirrors and registers its children under the same attribute names, so that named_parameters()
// yields transformers' keys ("encoder.block.0.layer.1.DenseReluDense.wi_0.weight").
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "finetrain/attention.hpp"
#include "finetrain/t5_encoder.hpp"

namespace finetrain::t5 {

// Throws unless `dtype` is one the encoder runs in: float32, float64, bfloat16.
void check_supported_dtype(c10::ScalarType dtype);

// How parameters are allocated: uninitialised, to be filled by a load or by T5Encoder::init_random().
struct ParameterOptions {
  c10::ScalarType dtype;
  c10::Device device;
};

// A module holding one parameter "weight" (Linear without bias, Embedding, norm gain).
class WeightModule : public torch::nn::Module {
 public:
  WeightModule(at::IntArrayRef shape, const ParameterOptions& options);
  const at::Tensor& weight() const { return weight_; }

 private:
  at::Tensor weight_;
};

// T5LayerNorm: w * (x * rsqrt(mean(float32(x)^2) + eps)), cast to a half-precision weight's dtype.
class LayerNorm : public WeightModule {
 public:
  LayerNorm(int64_t dim, double eps, const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  double eps_;
};

// T5Attention of an encoder layer: q, k, v, o without bias, and (T5: block 0 only; UMT5: every
// block) the relative_attention_bias table.
class Attention : public torch::nn::Module {
 public:
  Attention(const T5EncoderConfig& config, bool has_relative_attention_bias, const std::string& path,
            const ParameterOptions& options);
  bool has_relative_attention_bias() const { return static_cast<bool>(relative_attention_bias_); }
  // The unmasked position bias [1, heads, length, length].
  at::Tensor compute_bias(int64_t length) const;
  // x [B, L, d_model]; additive_mask = position bias + padding mask, broadcastable to [B, heads, L, L].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask) const;

 private:
  T5EncoderConfig config_;
  std::string path_;
  AttentionHandle attention_;
  std::shared_ptr<WeightModule> q_, k_, v_, o_, relative_attention_bias_;
};

// T5DenseActDense ("relu": wo(act(wi(h)))) or T5DenseGatedActDense ("gated-gelu": wo(act(wi_0(h)) * wi_1(h))).
class DenseReluDense : public torch::nn::Module {
 public:
  DenseReluDense(const T5EncoderConfig& config, const std::string& path, const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& h) const;

 private:
  at::Tensor activate(const at::Tensor& x) const;

  T5EncoderConfig config_;
  std::string act_name_;
  std::shared_ptr<WeightModule> wi_, wi_1_, wo_;  // wi_ is "wi_0" when gated, "wi" otherwise
};

// T5LayerSelfAttention (layer.0)
class LayerSelfAttention : public torch::nn::Module {
 public:
  LayerSelfAttention(const T5EncoderConfig& config, bool has_relative_attention_bias, const std::string& path,
                     const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask) const;
  Attention& attention() const { return *attention_; }

 private:
  T5EncoderConfig config_;
  std::string path_;
  std::shared_ptr<LayerNorm> layer_norm_;
  std::shared_ptr<Attention> attention_;
};

// T5LayerFF (layer.1)
class LayerFF : public torch::nn::Module {
 public:
  LayerFF(const T5EncoderConfig& config, const std::string& path, const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  T5EncoderConfig config_;
  std::string path_;
  std::shared_ptr<LayerNorm> layer_norm_;
  std::shared_ptr<DenseReluDense> dense_;
};

// T5Block: "layer" = [LayerSelfAttention, LayerFF].
class Block : public torch::nn::Module {
 public:
  Block(const T5EncoderConfig& config, int64_t index, bool has_relative_attention_bias,
        const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask) const;
  Attention& attention() const { return self_attention_->attention(); }

 private:
  std::string path_;
  std::shared_ptr<LayerSelfAttention> self_attention_;
  std::shared_ptr<LayerFF> feed_forward_;
};

// T5Stack of an encoder without its embed_tokens (the tied "shared" embedding lives at the top).
class Stack : public torch::nn::Module {
 public:
  Stack(const T5EncoderConfig& config, const ParameterOptions& options);
  // embeddings [B, L, d_model]; padding_mask [B, 1, 1, L] additive (0 / finfo.min) or undefined.
  at::Tensor forward(const at::Tensor& embeddings, const at::Tensor& padding_mask) const;
  // Children as registered, for views that re-parent them (the parity alias view).
  const std::shared_ptr<torch::nn::Module>& block_list() const { return block_list_; }
  const std::shared_ptr<LayerNorm>& final_layer_norm() const { return final_layer_norm_; }

 private:
  T5EncoderConfig config_;
  std::shared_ptr<torch::nn::Module> block_list_;  // children "0", "1", ... (transformers' ModuleList)
  std::vector<std::shared_ptr<Block>> blocks_;
  std::shared_ptr<LayerNorm> final_layer_norm_;
};

// T5EncoderModel / UMT5EncoderModel: "shared" (token embedding) and "encoder".
class EncoderModel : public torch::nn::Module {
 public:
  EncoderModel(T5EncoderConfig config, const ParameterOptions& options);
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const;
  const T5EncoderConfig& config() const { return config_; }
  // Casting refuses float16 like the constructor.
  using torch::nn::Module::to;
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  const std::shared_ptr<WeightModule>& shared() const { return shared_; }
  const std::shared_ptr<Stack>& encoder() const { return encoder_; }

 private:
  T5EncoderConfig config_;
  std::shared_ptr<WeightModule> shared_;
  std::shared_ptr<Stack> encoder_;
};

}  // namespace finetrain::t5
