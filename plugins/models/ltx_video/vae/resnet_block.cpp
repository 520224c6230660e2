#include "vae/resnet_block.hpp"

#include <ATen/ops/silu.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"
#include "vae/noise.hpp"

namespace finetrain::ltx_video::vae {
namespace {
constexpr double kRmsEps = 1e-8;  // diffusers: RMSNorm(..., eps=1e-8) in LTXVideoResnetBlock3d
}

ResnetBlock3d::ResnetBlock3d(const ResnetBlockOptions& block, const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoResnetBlock3d"), block_(block) {
  const int64_t in = block.in_channels;
  const int64_t out = block.out_channels;
  // diffusers sizes the noise scales by in_channels but adds them to out_channels-wide features.
  if (block.inject_noise && in != out)
    throw Error(
        fmt::format("LTXVideoResnetBlock3d: noise injection needs in_channels == out_channels, found {} -> "
                    "{} (diffusers would fail to broadcast per_channel_scale)",
                    in, out));
  conv1_ =
      register_module("conv1", std::make_shared<CausalConv3d>(in, out, 3, Int3{1, 1, 1}, block.is_causal, options));
  conv2_ =
      register_module("conv2", std::make_shared<CausalConv3d>(out, out, 3, Int3{1, 1, 1}, block.is_causal, options));
  if (in != out) {
    norm3_ = register_module("norm3", std::make_shared<ChannelLayerNorm>(in, block.eps, options));
    conv_shortcut_ = register_module(
        "conv_shortcut", std::make_shared<CausalConv3d>(in, out, 1, Int3{1, 1, 1}, block.is_causal, options));
  }
  if (block.inject_noise) {
    per_channel_scale1_ = register_parameter("per_channel_scale1", at::zeros({in, 1, 1}, options));
    per_channel_scale2_ = register_parameter("per_channel_scale2", at::zeros({in, 1, 1}, options));
  }
  if (block.timestep_conditioning)
    scale_shift_table_ = register_parameter("scale_shift_table", at::zeros({4, in}, options));
}

void ResnetBlock3d::reset_parameters(at::Generator& generator) {
  if (!scale_shift_table_.defined()) return;
  // diffusers: torch.randn(4, in_channels) / in_channels ** 0.5
  c10::NoGradGuard no_grad;
  scale_shift_table_.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(block_.in_channels)), generator);
}

at::Tensor ResnetBlock3d::add_noise(const at::Tensor& h, const at::Tensor& scale,
                                    c10::optional<at::Generator> generator) const {
  if (!generator)
    throw Error("LTXVideoResnetBlock3d: this decoder injects noise (decoder_inject_noise); pass a generator");
  // One [H, W] noise image shared by batch and frames, scaled per channel: [1, C, 1, H, W].
  const at::Tensor noise = randn_from({h.size(-2), h.size(-1)}, *generator, h.options()).unsqueeze(0);
  return h + (noise * scale).unsqueeze(0).unsqueeze(2);
}

at::Tensor ResnetBlock3d::forward(const at::Tensor& x, const at::Tensor& temb,
                                  c10::optional<at::Generator> generator) const {
  at::Tensor h = channel_rms_norm(x, kRmsEps);
  at::Tensor shift_1, scale_1, shift_2, scale_2;
  if (scale_shift_table_.defined()) {
    if (!temb.defined())
      throw Error("LTXVideoResnetBlock3d: the block is timestep-conditioned (scale_shift_table) but got no temb");
    const at::Tensor table = scale_shift_table_.unsqueeze(0).unsqueeze(-1).unsqueeze(-1).unsqueeze(-1);
    const auto parts = (temb.unflatten(1, {4, -1}) + table).unbind(1);
    shift_1 = parts[0];
    scale_1 = parts[1];
    shift_2 = parts[2];
    scale_2 = parts[3];
    h = h * (1 + scale_1) + shift_1;
  }
  h = conv1_->forward(at::silu(h));
  if (per_channel_scale1_.defined()) h = add_noise(h, per_channel_scale1_, generator);

  h = channel_rms_norm(h, kRmsEps);
  if (scale_shift_table_.defined()) h = h * (1 + scale_2) + shift_2;
  h = conv2_->forward(at::silu(h));
  if (per_channel_scale2_.defined()) h = add_noise(h, per_channel_scale2_, generator);

  at::Tensor shortcut = x;
  if (norm3_) shortcut = norm3_->forward(shortcut);
  if (conv_shortcut_) shortcut = conv_shortcut_->forward(shortcut);
  return h + shortcut;
}

}  // namespace finetrain::ltx_video::vae
