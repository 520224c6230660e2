#include "vae/down_block.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {
namespace {

Int3 downsample_stride(const std::string& type) {
  if (type == "spatial") return {1, 2, 2};
  if (type == "temporal") return {2, 1, 1};
  if (type == "spatiotemporal") return {2, 2, 2};
  throw Error("LTXVideo095DownBlock3D: unknown downsample_type '" + type +
              "' (expected conv, spatial, temporal or spatiotemporal)");
}

}  // namespace

DownBlock3d::DownBlock3d(const DownBlockOptions& block, const at::TensorOptions& options)
    : torch::nn::Module(block.block_type) {
  const bool is_095 = block.block_type == kDownBlock095;
  if (!is_095 && block.block_type != kDownBlock090)
    throw Error("unknown down block type '" + block.block_type + "' (expected " + kDownBlock090 + " or " +
                kDownBlock095 + ")");
  const bool widening_downsampler = block.spatio_temporal_scale && block.downsample_type != "conv";
  if (is_095 && block.in_channels != block.out_channels && !widening_downsampler)
    throw Error(fmt::format(
        "{}: {} -> {} channels needs a spatial, temporal or spatiotemporal downsampler to widen "
        "(found spatio_temporal_scaling={}, downsample_type='{}')",
        kDownBlock095, block.in_channels, block.out_channels, block.spatio_temporal_scale, block.downsample_type));
  ResnetBlockOptions resnet;
  resnet.in_channels = block.in_channels;
  resnet.out_channels = block.in_channels;
  resnet.eps = block.resnet_eps;
  resnet.is_causal = block.is_causal;
  auto resnets = register_module_list(*this, "resnets");
  for (int64_t i = 0; i < block.num_layers; ++i)
    resnets_.push_back(resnets->register_module(std::to_string(i), std::make_shared<ResnetBlock3d>(resnet, options)));

  if (block.spatio_temporal_scale) {
    auto downsamplers = register_module_list(*this, "downsamplers");
    if (!is_095 || block.downsample_type == "conv") {
      conv_downsampler_ =
          downsamplers->register_module("0", std::make_shared<CausalConv3d>(block.in_channels, block.in_channels, 3,
                                                                            Int3{2, 2, 2}, block.is_causal, options));
    } else {
      downsampler_ = downsamplers->register_module(
          "0", std::make_shared<Downsampler3d>(block.in_channels, block.out_channels,
                                               downsample_stride(block.downsample_type), block.is_causal, options));
    }
  }

  // Only the 0.9.0 block widens with a resnet; the 0.9.5 block widens in its downsampler.
  if (!is_095 && block.in_channels != block.out_channels) {
    ResnetBlockOptions widen = resnet;
    widen.out_channels = block.out_channels;
    conv_out_ = register_module("conv_out", std::make_shared<ResnetBlock3d>(widen, options));
  }
}

at::Tensor DownBlock3d::forward(const at::Tensor& x) const {
  at::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, at::Tensor(), c10::nullopt);
  if (conv_downsampler_) h = conv_downsampler_->forward(h);
  if (downsampler_) h = downsampler_->forward(h);
  if (conv_out_) h = conv_out_->forward(h, at::Tensor(), c10::nullopt);
  return h;
}

}  // namespace finetrain::ltx_video::vae
