#include "text_encoders/t5/t5_modules.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/rsqrt.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/tanh.h>
#include <c10/util/BFloat16.h>

#include <cmath>
#include <limits>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"

namespace finetrain::t5 {
namespace {

at::Tensor linear(const WeightModule& m, const at::Tensor& x) { return at::linear(x, m.weight()); }

// transformers' NewGELUActivation, op for op: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
at::Tensor gelu_new(const at::Tensor& x) {
  return 0.5 * x * (1.0 + at::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x.pow(3.0))));
}

// torch.finfo(dtype).min, what transformers puts on padded keys.
double lowest(c10::ScalarType type) {
  switch (type) {
    case at::kFloat: return std::numeric_limits<float>::lowest();
    case at::kDouble: return std::numeric_limits<double>::lowest();
    case at::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    default: throw Error(std::string("T5 encoder: unsupported dtype ") + c10::toString(type));
  }
}

// attention_mask [B, L] (1 = token) -> additive [B, 1, 1, L]: 0 for tokens, finfo(dtype).min for padding.
at::Tensor additive_padding_mask(const at::Tensor& attention_mask, c10::ScalarType dtype) {
  if (!attention_mask.defined()) return attention_mask;
  const at::Tensor mask = attention_mask.unsqueeze(1).unsqueeze(1).to(dtype);
  return (1.0 - mask) * lowest(dtype);
}

}  // namespace

void check_supported_dtype(c10::ScalarType dtype) {
  if (dtype == at::kFloat || dtype == at::kDouble || dtype == at::kBFloat16) return;
  if (dtype == at::kHalf)
    throw Error("T5 encoder: float16 is not supported (T5 v1.1 activations overflow float16); use bfloat16 or float32");
  throw Error(std::string("T5 encoder: dtype ") + c10::toString(dtype) +
              " is not supported (float32, float64 or bfloat16)");
}

WeightModule::WeightModule(at::IntArrayRef shape, const ParameterOptions& options) {
  weight_ =
      register_parameter("weight", at::empty(shape, at::TensorOptions().dtype(options.dtype).device(options.device)));
}

// ---------------------------------------------------------------------------------------------

LayerNorm::LayerNorm(int64_t dim, double eps, const ParameterOptions& options)
    : WeightModule({dim}, options), eps_(eps) {}

at::Tensor LayerNorm::forward(const at::Tensor& x) const {
  // The variance is always float32 (also for float64 input); the product with a float32 rsqrt
  // promotes half-precision input to float32, cast back when the gain is half precision.
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor normed = x * at::rsqrt(variance + eps_);
  const auto weight_type = weight().scalar_type();
  if (weight_type == at::kHalf || weight_type == at::kBFloat16) normed = normed.to(weight_type);
  return weight() * normed;
}

// ---------------------------------------------------------------------------------------------

Attention::Attention(const T5EncoderConfig& config, bool has_relative_attention_bias, const std::string& path,
                     const ParameterOptions& options)
    : config_(config), path_(path), attention_(path) {
  const int64_t inner = config.num_heads * config.d_kv;
  q_ = register_module("q", std::make_shared<WeightModule>(at::IntArrayRef{inner, config.d_model}, options));
  k_ = register_module("k", std::make_shared<WeightModule>(at::IntArrayRef{inner, config.d_model}, options));
  v_ = register_module("v", std::make_shared<WeightModule>(at::IntArrayRef{inner, config.d_model}, options));
  o_ = register_module("o", std::make_shared<WeightModule>(at::IntArrayRef{config.d_model, inner}, options));
  if (has_relative_attention_bias)
    relative_attention_bias_ =
        register_module("relative_attention_bias",
                        std::make_shared<WeightModule>(
                            at::IntArrayRef{config.relative_attention_num_buckets, config.num_heads}, options));
}

at::Tensor Attention::compute_bias(int64_t length) const {
  const auto index_options = at::TensorOptions().dtype(at::kLong).device(relative_attention_bias_->weight().device());
  const at::Tensor query_position = at::arange(length, index_options).unsqueeze(1);
  const at::Tensor key_position = at::arange(length, index_options).unsqueeze(0);
  const at::Tensor bucket = t5_relative_position_bucket(
      key_position - query_position, config_.relative_attention_num_buckets, config_.relative_attention_max_distance);
  capture_intermediate("relative_position_bucket", bucket);
  // [q, k, heads] -> [1, heads, q, k]
  at::Tensor bias = at::embedding(relative_attention_bias_->weight(), bucket).permute({2, 0, 1}).unsqueeze(0);
  capture_intermediate(path_ + ".relative_position_bias", bias);
  return bias;
}

at::Tensor Attention::forward(const at::Tensor& x, const at::Tensor& additive_mask) const {
  const int64_t batch = x.size(0);
  const int64_t length = x.size(1);
  auto heads = [&](const WeightModule& projection) {
    return linear(projection, x).view({batch, length, config_.num_heads, config_.d_kv}).transpose(1, 2);
  };
  // T5 folds 1/sqrt(d_kv) into the initialisation of q, so the scores are not scaled.
  const at::Tensor out = attention_(heads(*q_), heads(*k_), heads(*v_), additive_mask, /*scale=*/1.0);
  return linear(*o_, out.transpose(1, 2).contiguous().view({batch, length, config_.num_heads * config_.d_kv}));
}

// ---------------------------------------------------------------------------------------------

DenseReluDense::DenseReluDense(const T5EncoderConfig& config, const std::string& path, const ParameterOptions& options)
    : config_(config), act_name_(path + ".act") {
  const std::vector<int64_t> in_shape{config.d_ff, config.d_model};
  if (config.gated) {
    wi_ = register_module("wi_0", std::make_shared<WeightModule>(in_shape, options));
    wi_1_ = register_module("wi_1", std::make_shared<WeightModule>(in_shape, options));
  } else {
    wi_ = register_module("wi", std::make_shared<WeightModule>(in_shape, options));
  }
  wo_ = register_module("wo", std::make_shared<WeightModule>(at::IntArrayRef{config.d_model, config.d_ff}, options));
}

at::Tensor DenseReluDense::activate(const at::Tensor& x) const {
  switch (config_.activation) {
    case T5Activation::Relu: return at::relu(x);
    case T5Activation::Gelu: return at::gelu(x);
    case T5Activation::GeluNew: return gelu_new(x);
    case T5Activation::Silu: return at::silu(x);
  }
  throw Error("T5 feed-forward: unknown activation");
}

at::Tensor DenseReluDense::forward(const at::Tensor& h) const {
  at::Tensor hidden = activate(linear(*wi_, h));
  capture_intermediate(act_name_, hidden);
  if (config_.gated) hidden = hidden * linear(*wi_1_, h);
  hidden = at::dropout(hidden, config_.dropout_rate, is_training());
  // transformers casts to wo's dtype, which differs when wo is kept in float32 (its
  // _keep_in_fp32_modules for float16, a dtype this encoder refuses); a no-op otherwise.
  return linear(*wo_, hidden);
}

// ---------------------------------------------------------------------------------------------

LayerSelfAttention::LayerSelfAttention(const T5EncoderConfig& config, bool has_relative_attention_bias,
                                       const std::string& path, const ParameterOptions& options)
    : config_(config), path_(path) {
  attention_ = register_module("SelfAttention", std::make_shared<Attention>(config, has_relative_attention_bias,
                                                                            path + ".SelfAttention", options));
  layer_norm_ =
      register_module("layer_norm", std::make_shared<LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

at::Tensor LayerSelfAttention::forward(const at::Tensor& x, const at::Tensor& additive_mask) const {
  const at::Tensor normed = layer_norm_->forward(x);
  capture_intermediate(path_ + ".layer_norm", normed);
  const at::Tensor attended = attention_->forward(normed, additive_mask);
  capture_intermediate(path_ + ".SelfAttention", attended);
  return x + at::dropout(attended, config_.dropout_rate, is_training());
}

LayerFF::LayerFF(const T5EncoderConfig& config, const std::string& path, const ParameterOptions& options)
    : config_(config), path_(path) {
  dense_ =
      register_module("DenseReluDense", std::make_shared<DenseReluDense>(config, path + ".DenseReluDense", options));
  layer_norm_ =
      register_module("layer_norm", std::make_shared<LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

at::Tensor LayerFF::forward(const at::Tensor& x) const {
  const at::Tensor normed = layer_norm_->forward(x);
  capture_intermediate(path_ + ".layer_norm", normed);
  const at::Tensor transformed = dense_->forward(normed);
  capture_intermediate(path_ + ".DenseReluDense", transformed);
  return x + at::dropout(transformed, config_.dropout_rate, is_training());
}

// ---------------------------------------------------------------------------------------------

Block::Block(const T5EncoderConfig& config, int64_t index, bool has_relative_attention_bias,
             const ParameterOptions& options)
    : path_("encoder.block." + std::to_string(index)) {
  auto layers = register_module("layer", std::make_shared<torch::nn::Module>());
  self_attention_ = layers->register_module(
      "0", std::make_shared<LayerSelfAttention>(config, has_relative_attention_bias, path_ + ".layer.0", options));
  feed_forward_ = layers->register_module("1", std::make_shared<LayerFF>(config, path_ + ".layer.1", options));
}

at::Tensor Block::forward(const at::Tensor& x, const at::Tensor& additive_mask) const {
  at::Tensor out = feed_forward_->forward(self_attention_->forward(x, additive_mask));
  capture_intermediate(path_, out);
  return out;
}

// ---------------------------------------------------------------------------------------------

Stack::Stack(const T5EncoderConfig& config, const ParameterOptions& options) : config_(config) {
  block_list_ = register_module("block", std::make_shared<torch::nn::Module>());
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const bool has_bias = config.variant == T5Variant::UMT5 || i == 0;
    blocks_.push_back(
        block_list_->register_module(std::to_string(i), std::make_shared<Block>(config, i, has_bias, options)));
  }
  final_layer_norm_ = register_module("final_layer_norm",
                                      std::make_shared<LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

at::Tensor Stack::forward(const at::Tensor& embeddings, const at::Tensor& padding_mask) const {
  const int64_t length = embeddings.size(1);
  at::Tensor hidden = at::dropout(embeddings, config_.dropout_rate, is_training());
  // T5: block 0 computes bias + mask once and every block reuses it (its gradient sums over all
  // blocks). UMT5: each block computes its own.
  at::Tensor additive_mask;
  for (const auto& block : blocks_) {
    Attention& attention = block->attention();
    if (attention.has_relative_attention_bias()) {
      additive_mask = attention.compute_bias(length);
      if (padding_mask.defined()) additive_mask = additive_mask + padding_mask;
    }
    hidden = block->forward(hidden, additive_mask);
  }
  hidden = final_layer_norm_->forward(hidden);
  capture_intermediate("encoder.final_layer_norm", hidden);
  return at::dropout(hidden, config_.dropout_rate, is_training());
}

// ---------------------------------------------------------------------------------------------

EncoderModel::EncoderModel(T5EncoderConfig config, const ParameterOptions& options) : config_(std::move(config)) {
  shared_ = register_module(
      "shared", std::make_shared<WeightModule>(at::IntArrayRef{config_.vocab_size, config_.d_model}, options));
  encoder_ = register_module("encoder", std::make_shared<Stack>(config_, options));
}

void EncoderModel::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  check_supported_dtype(dtype);
  torch::nn::Module::to(device, dtype, non_blocking);
}

void EncoderModel::to(torch::Dtype dtype, bool non_blocking) {
  check_supported_dtype(dtype);
  torch::nn::Module::to(dtype, non_blocking);
}

at::Tensor EncoderModel::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const {
  const at::Tensor embeddings = at::embedding(shared_->weight(), input_ids);
  capture_intermediate("encoder.embed_tokens", embeddings);
  return encoder_->forward(embeddings, additive_padding_mask(attention_mask, embeddings.scalar_type()));
}

}  // namespace finetrain::t5
