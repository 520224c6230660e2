#include "vae/up_block.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "vae/mid_block.hpp"

namespace finetrain::ltx_video::vae {

UpBlock3d::UpBlock3d(const UpBlockOptions& block, const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoUpBlock3d") {
  // diffusers calls conv_in with the raw timestep before embedding it, which only works without conditioning.
  if (block.timestep_conditioning && block.in_channels != block.out_channels)
    throw Error(
        fmt::format("LTXVideoUpBlock3d: a timestep-conditioned up block cannot change width ({} -> {}); "
                    "diffusers would pass the raw timestep to its conv_in resnet",
                    block.in_channels, block.out_channels));
  if (block.timestep_conditioning)
    time_embedder_ =
        register_module("time_embedder", std::make_shared<CombinedTimestepEmbedding>(block.in_channels * 4, options));

  ResnetBlockOptions resnet;
  resnet.in_channels = block.in_channels;
  resnet.out_channels = block.out_channels;
  resnet.eps = block.resnet_eps;
  resnet.is_causal = block.is_causal;
  resnet.inject_noise = block.inject_noise;
  resnet.timestep_conditioning = block.timestep_conditioning;
  if (block.in_channels != block.out_channels)
    conv_in_ = register_module("conv_in", std::make_shared<ResnetBlock3d>(resnet, options));

  if (block.spatio_temporal_scale) {
    auto upsamplers = register_module_list(*this, "upsamplers");
    upsampler_ = upsamplers->register_module(
        "0", std::make_shared<Upsampler3d>(block.out_channels * block.upsample_factor, Int3{2, 2, 2}, block.is_causal,
                                           block.upsample_residual, block.upsample_factor, options));
  }

  resnet.in_channels = block.out_channels;
  auto resnets = register_module_list(*this, "resnets");
  for (int64_t i = 0; i < block.num_layers; ++i)
    resnets_.push_back(resnets->register_module(std::to_string(i), std::make_shared<ResnetBlock3d>(resnet, options)));
}

at::Tensor UpBlock3d::forward(const at::Tensor& x, const at::Tensor& timestep,
                              c10::optional<at::Generator> generator) const {
  at::Tensor h = conv_in_ ? conv_in_->forward(x, at::Tensor(), generator) : x;
  const at::Tensor temb = time_embedder_ ? embed_block_timestep(*time_embedder_, timestep, h) : at::Tensor();
  if (upsampler_) h = upsampler_->forward(h);
  for (const auto& resnet : resnets_) h = resnet->forward(h, temb, generator);
  return h;
}

}  // namespace finetrain::ltx_video::vae
