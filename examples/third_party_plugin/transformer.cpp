#include "transformer.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <finetrain/error.hpp>

#include <cmath>
#include <string>

#include "describe.hpp"

namespace toy_pixel {

namespace {

constexpr double kNormEps = 1e-6;

at::Tensor layer_norm(const at::Tensor& x) { return at::layer_norm(x, {x.size(-1)}, {}, {}, kNormEps); }

[[noreturn]] void bad_input(const std::string& name, const std::string& expected, const at::Tensor& found) {
  throw finetrain::Error("ToyPixelTransformer2DModel: '" + name + "' must be " + expected + ", found " +
                         describe(found));
}

}  // namespace

FeedForward::FeedForward(int64_t dim, int64_t inner_dim) {
  auto net = register_module("net", make_namespace_module());
  auto gelu = net->register_module("0", make_namespace_module());
  proj_in_ = gelu->register_module("proj", std::make_shared<Linear>(dim, inner_dim));
  proj_out_ = net->register_module("2", std::make_shared<Linear>(inner_dim, dim));
}

at::Tensor FeedForward::forward(const at::Tensor& x) const {
  return proj_out_->forward(at::gelu(proj_in_->forward(x), "tanh"));
}

ToyPixelBlock::ToyPixelBlock(int64_t hidden_size, int64_t ff_inner_dim) {
  auto norm1 = register_module("norm1", make_namespace_module());
  norm1_linear_ = norm1->register_module("linear", std::make_shared<Linear>(hidden_size, 3 * hidden_size));
  ff_ = register_module("ff", std::make_shared<FeedForward>(hidden_size, ff_inner_dim));
}

at::Tensor ToyPixelBlock::forward(const at::Tensor& x, const at::Tensor& conditioning) const {
  auto modulation = norm1_linear_->forward(at::silu(conditioning)).unsqueeze(1).chunk(3, -1);
  const at::Tensor& shift = modulation[0];
  const at::Tensor& scale = modulation[1];
  const at::Tensor& gate = modulation[2];
  return x + gate * ff_->forward(layer_norm(x) * (1 + scale) + shift);
}

ToyPixelTransformer::ToyPixelTransformer(const TransformerConfig& config) : config_(config) {
  const int64_t hidden = config.hidden_size;
  proj_in_ = register_module("proj_in", std::make_shared<Linear>(config.in_channels, hidden));
  auto pos_embed = register_module("pos_embed", make_namespace_module());
  pos_embed_proj_ =
      pos_embed->register_module("proj", std::make_shared<Linear>(6 * config.position_frequencies, hidden));
  auto time_embed = register_module("time_embed", make_namespace_module());
  time_embed_linear_1_ =
      time_embed->register_module("linear_1", std::make_shared<Linear>(config.timestep_channels, hidden));
  time_embed_linear_2_ = time_embed->register_module("linear_2", std::make_shared<Linear>(hidden, hidden));
  context_embedder_ = register_module("context_embedder", std::make_shared<Linear>(config.caption_channels, hidden));
  auto blocks = register_module("transformer_blocks", make_namespace_module());
  for (int64_t i = 0; i < config.num_layers; ++i)
    blocks_.push_back(
        blocks->register_module(std::to_string(i), std::make_shared<ToyPixelBlock>(hidden, config.ff_inner_dim)));
  auto norm_out = register_module("norm_out", make_namespace_module());
  norm_out_linear_ = norm_out->register_module("linear", std::make_shared<Linear>(hidden, 2 * hidden));
  proj_out_ = register_module("proj_out", std::make_shared<Linear>(hidden, config.out_channels));
}

std::vector<finetrain::BlockRef> ToyPixelTransformer::block_refs() {
  std::vector<finetrain::BlockRef> refs;
  for (size_t i = 0; i < blocks_.size(); ++i)
    refs.push_back({"transformer_blocks." + std::to_string(i), blocks_[i].get()});
  return refs;
}

at::Tensor ToyPixelTransformer::embed_conditioning(const at::Tensor& encoder_hidden_states,
                                                   const at::Tensor& encoder_attention_mask,
                                                   const at::Tensor& timestep) const {
  const auto dtype = proj_in_->weight().scalar_type();
  at::Tensor temb = timestep_features(timestep, config_.timestep_channels).to(dtype);
  temb = time_embed_linear_2_->forward(at::silu(time_embed_linear_1_->forward(temb)));
  // Masked mean over the words: the caption as a bag of words, order-free. An empty caption (all
  // padding, e.g. caption dropout) pools to zeros, the unconditional input.
  at::Tensor words = encoder_hidden_states.to(dtype);
  at::Tensor mask = encoder_attention_mask.defined() ? encoder_attention_mask.to(dtype).unsqueeze(-1)
                                                     : at::ones({words.size(0), words.size(1), 1}, words.options());
  at::Tensor pooled = (words * mask).sum(1) / mask.sum(1).clamp_min(1.0);
  return temb + context_embedder_->forward(pooled);
}

at::Tensor ToyPixelTransformer::forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states,
                                        const at::Tensor& encoder_attention_mask, const at::Tensor& timestep,
                                        finetrain::BlockRunner& runner) const {
  if (!hidden_states.defined() || hidden_states.dim() != 5 || hidden_states.size(1) != config_.in_channels)
    bad_input("hidden_states", "[B, " + std::to_string(config_.in_channels) + ", F, H, W]", hidden_states);
  const int64_t B = hidden_states.size(0), F = hidden_states.size(2), H = hidden_states.size(3),
                W = hidden_states.size(4);
  if (!encoder_hidden_states.defined() || encoder_hidden_states.dim() != 3 || encoder_hidden_states.size(0) != B ||
      encoder_hidden_states.size(2) != config_.caption_channels)
    bad_input("encoder_hidden_states",
              "[" + std::to_string(B) + ", L, " + std::to_string(config_.caption_channels) + "]",
              encoder_hidden_states);
  if (encoder_attention_mask.defined() && (encoder_attention_mask.dim() != 2 || encoder_attention_mask.size(0) != B ||
                                           encoder_attention_mask.size(1) != encoder_hidden_states.size(1)))
    bad_input("encoder_attention_mask",
              "[" + std::to_string(B) + ", " + std::to_string(encoder_hidden_states.size(1)) + "]",
              encoder_attention_mask);
  if (!timestep.defined() || timestep.dim() != 1 || timestep.size(0) != B)
    bad_input("timestep", "[" + std::to_string(B) + "]", timestep);
  if (runner.blocks().size() != blocks_.size())
    throw finetrain::Error("ToyPixelTransformer2DModel: the block runner holds " +
                           std::to_string(runner.blocks().size()) + " blocks, the model has " +
                           std::to_string(blocks_.size()));

  const auto dtype = proj_in_->weight().scalar_type();
  at::Tensor x = hidden_states.to(dtype).permute({0, 2, 3, 4, 1}).reshape({B, F * H * W, config_.in_channels});
  at::Tensor positions = position_features(F, H, W, config_.position_frequencies, x.device()).to(dtype);
  x = proj_in_->forward(x) + pos_embed_proj_->forward(positions);
  at::Tensor conditioning = embed_conditioning(encoder_hidden_states, encoder_attention_mask, timestep);

  for (size_t i = 0; i < blocks_.size(); ++i) {
    const ToyPixelBlock& block = *blocks_[i];
    // The conditioning is passed as an input, not captured, so a checkpointing runner keeps its graph.
    auto outputs = runner.run(
        i, [&block](const std::vector<at::Tensor>& in) { return std::vector<at::Tensor>{block.forward(in[0], in[1])}; },
        {x, conditioning});
    x = outputs.at(0);
  }

  auto modulation = norm_out_linear_->forward(at::silu(conditioning)).unsqueeze(1).chunk(2, -1);
  x = layer_norm(x) * (1 + modulation[0]) + modulation[1];  // diffusers' AdaLayerNormContinuous: (scale, shift)
  x = proj_out_->forward(x);
  return x.reshape({B, F, H, W, config_.out_channels}).permute({0, 4, 1, 2, 3}).contiguous();
}

at::Tensor timestep_features(const at::Tensor& timestep, int64_t dim) {
  const int64_t half = dim / 2;
  auto options = timestep.options().dtype(at::kFloat);
  at::Tensor exponent = at::arange(half, options) * (-std::log(10000.0) / static_cast<double>(half));
  at::Tensor angles = timestep.to(at::kFloat).unsqueeze(1) * at::exp(exponent).unsqueeze(0);
  return at::cat({at::cos(angles), at::sin(angles)}, 1);
}

at::Tensor position_features(int64_t frames, int64_t height, int64_t width, int64_t octaves, c10::Device device) {
  auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  auto centres = [&](int64_t n) { return (at::arange(n, options) + 0.5) / static_cast<double>(n); };
  at::Tensor f = centres(frames).view({frames, 1, 1}).expand({frames, height, width});
  at::Tensor h = centres(height).view({1, height, 1}).expand({frames, height, width});
  at::Tensor w = centres(width).view({1, 1, width}).expand({frames, height, width});
  at::Tensor coords = at::stack({f, h, w}, -1).reshape({frames * height * width, 3, 1});
  at::Tensor frequencies = at::pow(2.0, at::arange(octaves, options)) * M_PI;
  at::Tensor angles = coords * frequencies;  // [N, 3, octaves]
  return at::cat({at::sin(angles), at::cos(angles)}, -1).reshape({frames * height * width, 6 * octaves});
}

}  // namespace toy_pixel
