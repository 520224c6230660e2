#include "transformer/transformer.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/_unique2.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/rsub.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"

namespace finetrain::ltx_video {
namespace {

constexpr double kNormOutEps = 1e-6;
// diffusers turns the boolean caption mask into this additive bias rather than -inf.
constexpr double kMaskedBias = -10000.0;

std::string shape(const at::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

// time_embed(timestep.flatten()) as diffusers computes it, but each distinct timestep value is
// embedded once and the rows are gathered. Per-token timesteps repeat a few values (LTX conditions
// whole frames), so this skips the [B * L, 6 * D] projections and their saved activations; and a
// row no longer depends on how many rows share the GEMM (BLAS rounds differently for other row
// counts), so [B, L] timesteps filled with each sample's value reproduce the [B] call bit for bit.
std::pair<at::Tensor, at::Tensor> embed_timesteps(AdaLayerNormSingle& time_embed, const at::Tensor& timestep,
                                                  c10::ScalarType hidden_dtype) {
  const auto [values, inverse, counts] =
      at::_unique2(timestep.flatten(), /*sorted=*/true, /*return_inverse=*/true, /*return_counts=*/false);
  const auto [modulation, embedded] = time_embed(values, hidden_dtype);
  return {modulation.index_select(0, inverse), embedded.index_select(0, inverse)};
}

}  // namespace

LtxVideoTransformer3DModelImpl::LtxVideoTransformer3DModelImpl(const LtxTransformerConfig& config)
    : config_(config), rope_(config.inner_dim(), config.patch_size, config.patch_size_t) {
  config_.validate("LTXVideoTransformer3DModel config");
  const int64_t dim = config_.inner_dim();
  proj_in = register_module("proj_in", torch::nn::Linear(config_.in_channels, dim));
  scale_shift_table =
      register_parameter("scale_shift_table", at::randn({2, dim}) / std::sqrt(static_cast<double>(dim)));
  time_embed = register_module("time_embed", AdaLayerNormSingle(dim));
  caption_projection = register_module("caption_projection", PixArtAlphaTextProjection(config_.caption_channels, dim));

  auto blocks = register_module("transformer_blocks", std::make_shared<torch::nn::Module>("ModuleList"));
  std::vector<BlockRef> refs;
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    const std::string name = std::to_string(i);
    transformer_blocks.push_back(blocks->register_module(name, LtxVideoTransformerBlock(config_, i)));
    refs.push_back({"transformer_blocks." + name, transformer_blocks.back().get()});
  }
  runner_.set_blocks(std::move(refs));
  proj_out = register_module("proj_out", torch::nn::Linear(dim, config_.out_channels));
}

void LtxVideoTransformer3DModelImpl::check_inputs(const LtxTransformerInputs& in) const {
  const std::string who = "LTXVideoTransformer3DModel.forward";
  const at::Tensor& x = in.hidden_states;
  if (!x.defined() || x.dim() != 3 || x.size(2) != config_.in_channels)
    throw Error(fmt::format("{}: hidden_states must be [B, L, in_channels={}], found {}", who, config_.in_channels,
                            x.defined() ? shape(x) : "none"));
  const int64_t batch = x.size(0), tokens = x.size(1);
  const TokenGrid& g = in.grid;
  if (g.frames <= 0 || g.height <= 0 || g.width <= 0 || g.tokens() != tokens)
    throw Error(fmt::format(
        "{}: num_frames * height * width = {} * {} * {} must equal the {} tokens of hidden_states {}",
        who, g.frames, g.height, g.width, tokens, shape(x)));
  const at::Tensor& c = in.encoder_hidden_states;
  if (!c.defined() || c.dim() != 3 || c.size(0) != batch || c.size(2) != config_.caption_channels)
    throw Error(fmt::format("{}: encoder_hidden_states must be [B={}, S, caption_channels={}], found {}", who, batch,
                            config_.caption_channels, c.defined() ? shape(c) : "none"));
  const at::Tensor& t = in.timestep;
  const bool per_sample = t.defined() && t.dim() == 1 && t.size(0) == batch;
  const bool per_token = t.defined() && t.dim() == 2 && t.size(0) == batch && (t.size(1) == 1 || t.size(1) == tokens);
  if (!per_sample && !per_token)
    throw Error(fmt::format("{}: timestep must be [B={}] or [B, L={}], found {}", who, batch, tokens,
                            t.defined() ? shape(t) : "none"));
  const at::Tensor& m = in.encoder_attention_mask;
  if (m.defined() && (m.dim() != 2 || m.size(0) != batch || m.size(1) != c.size(1)))
    throw Error(fmt::format("{}: encoder_attention_mask must be [B={}, S={}], found {}", who, batch, c.size(1),
                            shape(m)));
}

at::Tensor LtxVideoTransformer3DModelImpl::forward(const LtxTransformerInputs& in) {
  check_inputs(in);
  const int64_t batch = in.hidden_states.size(0);

  const RotaryEmbedding rope = rope_(batch, in.grid, in.rope_interpolation_scale, in.hidden_states.device());
  capture_intermediate("rope.0", rope.cos);
  capture_intermediate("rope.1", rope.sin);

  at::Tensor encoder_mask;
  if (in.encoder_attention_mask.defined()) {
    // [B, S] keep-mask -> additive [B, 1, 1, S], shared by every head and query.
    const at::Tensor keep = in.encoder_attention_mask.to(in.hidden_states.scalar_type());
    encoder_mask = (at::rsub(keep, 1) * kMaskedBias).view({batch, 1, 1, -1});
  }

  at::Tensor hidden = proj_in(in.hidden_states);
  capture_intermediate("proj_in", hidden);

  auto [temb, embedded_timestep] = embed_timesteps(time_embed, in.timestep, hidden.scalar_type());
  capture_intermediate("time_embed.0", temb);
  capture_intermediate("time_embed.1", embedded_timestep);
  temb = temb.view({batch, -1, temb.size(-1)});
  embedded_timestep = embedded_timestep.view({batch, -1, embedded_timestep.size(-1)});

  at::Tensor encoder_hidden = caption_projection(in.encoder_hidden_states);
  capture_intermediate("caption_projection", encoder_hidden);
  encoder_hidden = encoder_hidden.view({batch, -1, hidden.size(-1)});

  for (size_t i = 0; i < transformer_blocks.size(); ++i) {
    // Everything the block reads is passed as an input so that a checkpointing runner can
    // recompute it; the mask slot is undefined when there is no caption mask.
    auto run_block = [this, i](const std::vector<at::Tensor>& v) {
      const RotaryEmbedding block_rope{v[3], v[4]};
      return std::vector<at::Tensor>{transformer_blocks[i]->forward(v[0], v[1], v[2], block_rope, v[5])};
    };
    hidden = runner_.run(i, run_block, {hidden, encoder_hidden, temb, rope.cos, rope.sin, encoder_mask})[0];
    capture_intermediate("transformer_blocks." + std::to_string(i), hidden);
  }

  // [1, 1, 2, D] + [B, T, 1, D] -> shift, scale [B, T, D]
  const at::Tensor modulation = scale_shift_table.unsqueeze(0).unsqueeze(0) + embedded_timestep.unsqueeze(2);
  const at::Tensor shift = modulation.select(2, 0);
  const at::Tensor scale = modulation.select(2, 1);

  hidden = at::layer_norm(hidden, {hidden.size(-1)}, {}, {}, kNormOutEps);
  capture_intermediate("norm_out", hidden);
  hidden = hidden * (1 + scale) + shift;
  at::Tensor output = proj_out(hidden);
  capture_intermediate("proj_out", output);
  return output;
}

}  // namespace finetrain::ltx_video
