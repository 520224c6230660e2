#include "vae/decoder.hpp"

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <c10/util/StringUtil.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"

namespace finetrain::ltx_video::vae {
namespace {

constexpr double kRmsEps = 1e-8;                     // diffusers: norm_out = RMSNorm(..., eps=1e-8)
constexpr double kTimestepScaleMultiplier = 1000.0;  // diffusers' initial value of timestep_scale_multiplier

template <class T>
std::vector<T> reversed(std::vector<T> values) {
  std::reverse(values.begin(), values.end());
  return values;
}

}  // namespace

Decoder3d::Decoder3d(const LtxVaeConfig& config, const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoDecoder3d"),
      latent_channels_(config.latent_channels),
      patch_size_(config.patch_size),
      patch_size_t_(config.patch_size_t) {
  // diffusers lists the decoder's settings from the output side; the decoder runs them reversed.
  const auto channels = reversed(config.decoder_block_out_channels);
  const auto scaling = reversed(config.decoder_spatio_temporal_scaling);
  const auto layers = reversed(config.decoder_layers_per_block);
  const auto inject_noise = reversed(config.decoder_inject_noise);
  const auto residual = reversed(config.upsample_residual);
  const auto factor = reversed(config.upsample_factor);

  // diffusers' output_channel: the width entering each block (LtxVaeConfig::validate checks that the blocks chain).
  int64_t width = channels[0];
  conv_in_ = register_module("conv_in", std::make_shared<CausalConv3d>(config.latent_channels, width, 3, Int3{1, 1, 1},
                                                                       config.decoder_causal, options));
  MidBlockOptions mid;
  mid.channels = width;
  mid.num_layers = layers[0];
  mid.resnet_eps = config.resnet_norm_eps;
  mid.is_causal = config.decoder_causal;
  mid.inject_noise = inject_noise[0];
  mid.timestep_conditioning = config.timestep_conditioning;
  mid_block_ = register_module("mid_block", std::make_shared<MidBlock3d>(mid, options));

  auto up_blocks = register_module_list(*this, "up_blocks");
  for (size_t i = 0; i < channels.size(); ++i) {
    UpBlockOptions block;
    block.in_channels = width / factor[i];
    block.out_channels = channels[i] / factor[i];
    block.num_layers = layers[i + 1];
    block.resnet_eps = config.resnet_norm_eps;
    block.spatio_temporal_scale = scaling[i];
    block.is_causal = config.decoder_causal;
    block.inject_noise = inject_noise[i + 1];
    block.timestep_conditioning = config.timestep_conditioning;
    block.upsample_residual = residual[i];
    block.upsample_factor = factor[i];
    up_blocks_.push_back(up_blocks->register_module(std::to_string(i), std::make_shared<UpBlock3d>(block, options)));
    width = block.out_channels;
  }

  const int64_t out_channels = config.out_channels * config.patch_size * config.patch_size;
  conv_out_ = register_module("conv_out", std::make_shared<CausalConv3d>(width, out_channels, 3, Int3{1, 1, 1},
                                                                         config.decoder_causal, options));
  if (config.timestep_conditioning) {
    timestep_scale_multiplier_ =
        register_parameter("timestep_scale_multiplier", at::scalar_tensor(kTimestepScaleMultiplier, options));
    time_embedder_ = register_module("time_embedder", std::make_shared<CombinedTimestepEmbedding>(width * 2, options));
    scale_shift_table_ = register_parameter("scale_shift_table", at::zeros({2, width}, options));
  }
}

void Decoder3d::reset_parameters(at::Generator& generator) {
  if (!scale_shift_table_.defined()) return;
  // diffusers: torch.randn(2, C) / C ** 0.5
  c10::NoGradGuard no_grad;
  scale_shift_table_.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(scale_shift_table_.size(1))), generator);
}

at::Tensor Decoder3d::forward(const at::Tensor& latents, const at::Tensor& temb,
                              c10::optional<at::Generator> generator) const {
  if (latents.dim() != 5 || latents.size(1) != latent_channels_)
    throw Error(fmt::format("AutoencoderKLLTXVideo decoder: expected latents [B, {}, F, H, W], found {}",
                            latent_channels_, c10::str(latents.sizes())));
  at::Tensor h = conv_in_->forward(latents);
  capture_intermediate("decoder.conv_in", h);

  at::Tensor timestep = temb;
  if (timestep_scale_multiplier_.defined() && timestep.defined()) timestep = timestep * timestep_scale_multiplier_;

  h = mid_block_->forward(h, timestep, generator);
  capture_intermediate("decoder.mid_block", h);
  for (size_t i = 0; i < up_blocks_.size(); ++i) {
    h = up_blocks_[i]->forward(h, timestep, generator);
    if (capture_active()) capture_intermediate(fmt::format("decoder.up_blocks.{}", i), h);
  }

  h = channel_rms_norm(h, kRmsEps);
  if (time_embedder_) {
    const at::Tensor table = scale_shift_table_.unsqueeze(0).unsqueeze(-1).unsqueeze(-1).unsqueeze(-1);
    const auto parts = (embed_block_timestep(*time_embedder_, timestep, h).unflatten(1, {2, -1}) + table).unbind(1);
    h = h * (1 + parts[1]) + parts[0];  // shift, scale
  }
  h = conv_out_->forward(at::silu(h));

  // Unpatchify: channels (C, p_t, p_a, p_b) back into frames, rows and columns in diffusers' order.
  const int64_t b = h.size(0), f = h.size(2), height = h.size(3), w = h.size(4);
  const int64_t p = patch_size_, pt = patch_size_t_;
  return h.reshape({b, -1, pt, p, p, f, height, w})
      .permute({0, 1, 5, 2, 6, 4, 7, 3})
      .flatten(6, 7)
      .flatten(4, 5)
      .flatten(2, 3);
}

}  // namespace finetrain::ltx_video::vae
