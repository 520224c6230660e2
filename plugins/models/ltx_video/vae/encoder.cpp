#include "vae/encoder.hpp"

#include <ATen/ops/cat.h>
#include <ATen/ops/silu.h>
#include <c10/util/StringUtil.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"

namespace finetrain::ltx_video::vae {
namespace {
constexpr double kRmsEps = 1e-8;  // diffusers: norm_out = RMSNorm(out_channels, eps=1e-8, elementwise_affine=False)
}

Encoder3d::Encoder3d(const LtxVaeConfig& config, const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoEncoder3d"),
      in_channels_(config.in_channels),
      patch_size_(config.patch_size),
      patch_size_t_(config.patch_size_t) {
  const int64_t patched_channels = config.in_channels * config.patch_size * config.patch_size;
  int64_t width = config.block_out_channels[0];
  conv_in_ = register_module("conv_in", std::make_shared<CausalConv3d>(patched_channels, width, 3, Int3{1, 1, 1},
                                                                       config.encoder_causal, options));

  // diffusers: a 0.9.0-style encoder keeps the last block's width (its last entry is the mid block's width and
  // also a block's); a 0.9.5-style one has one entry more than blocks.
  const int64_t blocks = config.num_down_blocks();
  auto down_blocks = register_module_list(*this, "down_blocks");
  for (int64_t i = 0; i < blocks; ++i) {
    DownBlockOptions block;
    block.block_type = config.down_block_types[i];
    block.downsample_type =
        i < static_cast<int64_t>(config.downsample_type.size()) ? config.downsample_type[i] : "conv";
    block.in_channels = width;
    const bool last_090 = !config.encoder_is_095() && i + 1 >= blocks;
    block.out_channels = last_090 ? config.block_out_channels[i] : config.block_out_channels[i + 1];
    block.num_layers = config.layers_per_block[i];
    block.resnet_eps = config.resnet_norm_eps;
    block.spatio_temporal_scale = config.spatio_temporal_scaling[i];
    block.is_causal = config.encoder_causal;
    down_blocks_.push_back(
        down_blocks->register_module(std::to_string(i), std::make_shared<DownBlock3d>(block, options)));
    width = block.out_channels;
  }

  MidBlockOptions mid;
  mid.channels = width;
  mid.num_layers = config.layers_per_block.back();
  mid.resnet_eps = config.resnet_norm_eps;
  mid.is_causal = config.encoder_causal;
  mid_block_ = register_module("mid_block", std::make_shared<MidBlock3d>(mid, options));
  conv_out_ =
      register_module("conv_out", std::make_shared<CausalConv3d>(width, config.latent_channels + 1, 3, Int3{1, 1, 1},
                                                                 config.encoder_causal, options));
}

at::Tensor Encoder3d::forward(const at::Tensor& pixels) const {
  if (pixels.dim() != 5 || pixels.size(1) != in_channels_)
    throw Error(fmt::format("AutoencoderKLLTXVideo encoder: expected pixels [B, {}, F, H, W], found {}", in_channels_,
                            c10::str(pixels.sizes())));
  const int64_t b = pixels.size(0), c = pixels.size(1), f = pixels.size(2), h = pixels.size(3), w = pixels.size(4);
  const int64_t p = patch_size_, pt = patch_size_t_;
  if (f % pt != 0 || h % p != 0 || w % p != 0)
    throw Error(
        fmt::format("AutoencoderKLLTXVideo encoder: {} frames x {} x {} is not divisible into patches of "
                    "{} x {} x {}",
                    f, h, w, pt, p, p));
  // diffusers' patch order: channels become (C, p_t, p_w, p_h).
  at::Tensor x = pixels.reshape({b, c, f / pt, pt, h / p, p, w / p, p}).permute({0, 1, 3, 7, 5, 2, 4, 6}).flatten(1, 4);

  x = conv_in_->forward(x);
  capture_intermediate("encoder.conv_in", x);
  for (size_t i = 0; i < down_blocks_.size(); ++i) {
    x = down_blocks_[i]->forward(x);
    if (capture_active()) capture_intermediate(fmt::format("encoder.down_blocks.{}", i), x);
  }
  x = mid_block_->forward(x, at::Tensor(), c10::nullopt);
  capture_intermediate("encoder.mid_block", x);

  x = conv_out_->forward(at::silu(channel_rms_norm(x, kRmsEps)));
  capture_intermediate("encoder.conv_out", x);
  // [mean (C) | logvar (1)] -> [mean | logvar repeated C times].
  const at::Tensor logvar = x.narrow(1, x.size(1) - 1, 1);
  return at::cat({x, logvar.repeat({1, x.size(1) - 2, 1, 1, 1})}, 1);
}

}  // namespace finetrain::ltx_video::vae
