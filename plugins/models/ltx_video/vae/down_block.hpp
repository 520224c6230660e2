// The encoder's down blocks: diffusers' LTXVideoDownBlock3D (0.9.0/0.9.1: resnets, a stride-2 conv, and a
// widening resnet "conv_out" when the width changes) and LTXVideo095DownBlock3D (0.9.5+: resnets, then a
// downsampler chosen by downsample_type that also widens). Both run resnets -> downsamplers -> conv_out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vae/resampling.hpp"
#include "vae/resnet_block.hpp"

namespace finetrain::ltx_video::vae {

struct DownBlockOptions {
  std::string block_type;                // kDownBlock090 or kDownBlock095 (vae_config.hpp)
  std::string downsample_type = "conv";  // 095 only: conv | spatial | temporal | spatiotemporal
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t num_layers = 1;
  double resnet_eps = 1e-6;
  bool spatio_temporal_scale = true;
  bool is_causal = true;
};

class DownBlock3d : public torch::nn::Module {
 public:
  DownBlock3d(const DownBlockOptions& block, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  std::vector<std::shared_ptr<ResnetBlock3d>> resnets_;
  std::shared_ptr<CausalConv3d> conv_downsampler_;  // "conv": a stride-2 causal conv
  std::shared_ptr<Downsampler3d> downsampler_;      // spatial / temporal / spatiotemporal
  std::shared_ptr<ResnetBlock3d> conv_out_;
};

}  // namespace finetrain::ltx_video::vae
