#include "vae/mid_block.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video::vae {

at::Tensor embed_block_timestep(const CombinedTimestepEmbedding& embedder, const at::Tensor& timestep,
                                const at::Tensor& hidden) {
  if (!timestep.defined())
    throw Error(
        "AutoencoderKLLTXVideo decoder: timestep_conditioning is on, so decode() needs temb (one timestep "
        "per batch element)");
  const int64_t batch = hidden.size(0);
  if (timestep.numel() != batch)
    throw Error(fmt::format("AutoencoderKLLTXVideo decoder: temb has {} elements, expected one per batch element ({})",
                            timestep.numel(), batch));
  return embedder.forward(timestep.flatten(), hidden.scalar_type()).view({batch, -1, 1, 1, 1});
}

MidBlock3d::MidBlock3d(const MidBlockOptions& block, const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoMidBlock3d") {
  if (block.timestep_conditioning)
    time_embedder_ =
        register_module("time_embedder", std::make_shared<CombinedTimestepEmbedding>(block.channels * 4, options));
  ResnetBlockOptions resnet;
  resnet.in_channels = block.channels;
  resnet.out_channels = block.channels;
  resnet.eps = block.resnet_eps;
  resnet.is_causal = block.is_causal;
  resnet.inject_noise = block.inject_noise;
  resnet.timestep_conditioning = block.timestep_conditioning;
  auto resnets = register_module_list(*this, "resnets");
  for (int64_t i = 0; i < block.num_layers; ++i)
    resnets_.push_back(resnets->register_module(std::to_string(i), std::make_shared<ResnetBlock3d>(resnet, options)));
}

at::Tensor MidBlock3d::forward(const at::Tensor& x, const at::Tensor& timestep,
                               c10::optional<at::Generator> generator) const {
  const at::Tensor temb = time_embedder_ ? embed_block_timestep(*time_embedder_, timestep, x) : at::Tensor();
  at::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, temb, generator);
  return h;
}

}  // namespace finetrain::ltx_video::vae
