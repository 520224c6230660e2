// diffusers' LTXVideoDownsampler3d and LTXVideoUpsampler3d (LTX-Video 0.9.1+ / 0.9.5+): resampling by moving
// space-time blocks into channels (space-to-depth) around a 3x3x3 causal conv, with a parameter-free residual.
#pragma once

#include <memory>

#include "vae/causal_conv3d.hpp"

namespace finetrain::ltx_video::vae {

// Downsamples by `stride` (t, h, w): the conv maps in -> out / prod(stride) channels, then each stride block moves
// into channels; the residual is the input's blocks averaged in groups of in * prod(stride) / out channels.
// The first stride_t - 1 frames are repeated in front so a causal clip of 1 + k * stride_t frames stays causal.
class Downsampler3d : public torch::nn::Module {
 public:
  Downsampler3d(int64_t in_channels, int64_t out_channels, Int3 stride, bool is_causal,
                const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  Int3 stride_;
  int64_t group_size_;
  std::shared_ptr<CausalConv3d> conv_;
};

// Upsamples by `stride`: the conv maps in -> in * prod(stride) / upscale_factor channels which then spread into
// stride blocks; the first stride_t - 1 output frames are dropped (a latent's first frame decodes to one frame).
// With `residual`, the input's channels spread the same way and are tiled to the output width and added.
class Upsampler3d : public torch::nn::Module {
 public:
  Upsampler3d(int64_t in_channels, Int3 stride, bool is_causal, bool residual, int64_t upscale_factor,
              const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  at::Tensor depth_to_space(const at::Tensor& x) const;

  Int3 stride_;
  bool residual_;
  int64_t upscale_factor_;
  std::shared_ptr<CausalConv3d> conv_;
};

}  // namespace finetrain::ltx_video::vae
