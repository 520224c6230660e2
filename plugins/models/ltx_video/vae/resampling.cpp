#include "vae/resampling.hpp"

#include <ATen/ops/cat.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video::vae {
namespace {

int64_t volume(const Int3& s) { return s[0] * s[1] * s[2]; }

// [B, C, F*st, H*sh, W*sw] -> [B, C*st*sh*sw, F, H, W], channel-major (C, st, sh, sw) as diffusers permutes.
at::Tensor space_to_depth(const at::Tensor& x, const Int3& s) {
  return x.unflatten(4, {-1, s[2]})
      .unflatten(3, {-1, s[1]})
      .unflatten(2, {-1, s[0]})
      .permute({0, 1, 3, 5, 7, 2, 4, 6})
      .flatten(1, 4);
}

}  // namespace

Downsampler3d::Downsampler3d(int64_t in_channels, int64_t out_channels, Int3 stride, bool is_causal,
                             const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoDownsampler3d"), stride_(stride) {
  const int64_t blocks = volume(stride);
  if ((in_channels * blocks) % out_channels != 0 || out_channels % blocks != 0)
    throw Error(
        fmt::format("LTXVideoDownsampler3d: out_channels {} must divide in_channels * {} = {} and be a "
                    "multiple of {} (the stride volume)",
                    out_channels, blocks, in_channels * blocks, blocks));
  group_size_ = in_channels * blocks / out_channels;
  conv_ = register_module(
      "conv", std::make_shared<CausalConv3d>(in_channels, out_channels / blocks, 3, Int3{1, 1, 1}, is_causal, options));
}

at::Tensor Downsampler3d::forward(const at::Tensor& x) const {
  const at::Tensor padded = at::cat({x.narrow(2, 0, stride_[0] - 1), x}, 2);
  if (padded.size(2) % stride_[0] != 0 || padded.size(3) % stride_[1] != 0 || padded.size(4) % stride_[2] != 0)
    throw Error(
        fmt::format("LTXVideoDownsampler3d: input of {} frames x {} x {} cannot be downsampled by stride "
                    "({}, {}, {}): frames + {} and height, width must be multiples of the stride",
                    x.size(2), x.size(3), x.size(4), stride_[0], stride_[1], stride_[2], stride_[0] - 1));
  const at::Tensor residual = space_to_depth(padded, stride_).unflatten(1, {-1, group_size_}).mean(2);
  return space_to_depth(conv_->forward(padded), stride_) + residual;
}

Upsampler3d::Upsampler3d(int64_t in_channels, Int3 stride, bool is_causal, bool residual, int64_t upscale_factor,
                         const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoUpsampler3d"), stride_(stride), residual_(residual), upscale_factor_(upscale_factor) {
  const int64_t blocks = volume(stride);
  if ((in_channels * blocks) % upscale_factor != 0)
    throw Error(fmt::format("LTXVideoUpsampler3d: upsample_factor {} must divide in_channels * {} = {}", upscale_factor,
                            blocks, in_channels * blocks));
  // The residual spreads the input's channels over the stride blocks and tiles them blocks / factor times.
  if (residual && (in_channels % blocks != 0 || blocks % upscale_factor != 0))
    throw Error(
        fmt::format("LTXVideoUpsampler3d: a residual upsampler needs in_channels ({}) divisible by the "
                    "stride volume {} and upsample_factor ({}) dividing it",
                    in_channels, blocks, upscale_factor));
  conv_ = register_module("conv", std::make_shared<CausalConv3d>(in_channels, in_channels * blocks / upscale_factor, 3,
                                                                 Int3{1, 1, 1}, is_causal, options));
}

// [B, C*st*sh*sw, F, H, W] -> [B, C, F*st - (st - 1), H*sh, W*sw], inverting space_to_depth's channel order.
at::Tensor Upsampler3d::depth_to_space(const at::Tensor& x) const {
  const int64_t b = x.size(0), f = x.size(2), h = x.size(3), w = x.size(4);
  return x.reshape({b, -1, stride_[0], stride_[1], stride_[2], f, h, w})
      .permute({0, 1, 5, 2, 6, 3, 7, 4})
      .flatten(6, 7)
      .flatten(4, 5)
      .flatten(2, 3)
      .narrow(2, stride_[0] - 1, f * stride_[0] - (stride_[0] - 1));
}

at::Tensor Upsampler3d::forward(const at::Tensor& x) const {
  at::Tensor out = depth_to_space(conv_->forward(x));
  if (!residual_) return out;
  const int64_t repeats = volume(stride_) / upscale_factor_;
  return out + depth_to_space(x).repeat({1, repeats, 1, 1, 1});
}

}  // namespace finetrain::ltx_video::vae
