// diffusers' LTXVideoCausalConv3d: a Conv3d ("conv") that pads time by repeating edge frames instead of zeros.
// Causal: kernel_t - 1 copies of the first frame in front. Non-causal: (kernel_t - 1) / 2 copies of the first
// frame in front and of the last frame behind. Space is zero-padded by kernel / 2 inside the conv.
#pragma once

#include <memory>

#include "vae/layers.hpp"

namespace finetrain::ltx_video::vae {

class CausalConv3d : public torch::nn::Module {
 public:
  CausalConv3d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Int3 stride, bool is_causal,
               const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  int64_t kernel_t_;
  bool is_causal_;
  std::shared_ptr<Conv3d> conv_;
};

}  // namespace finetrain::ltx_video::vae
