// The torch.nn leaf layers the LTX-Video VAE is built from (Conv3d, Linear, LayerNorm), with torch.nn's
// parameter names ("weight", "bias") and default initialisation, plus diffusers' weightless RMSNorm applied over
// the channel axis. Written on plain ATen ops so the VAE needs no torch::nn::functional headers.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>

#include <array>
#include <memory>
#include <string>

namespace finetrain::ltx_video::vae {

using Int3 = std::array<int64_t, 3>;

// Implemented by modules owning parameters that a checkpoint-less build draws at random.
class RandomInit {
 public:
  virtual ~RandomInit() = default;
  virtual void reset_parameters(at::Generator& generator) = 0;
};

// Re-draws every RandomInit module under `root` (root included) from `generator`, in module order.
void reset_parameters(torch::nn::Module& root, at::Generator generator);

// An empty module registered as `name` under `parent`, holding children "0", "1", ... like nn.ModuleList.
std::shared_ptr<torch::nn::Module> register_module_list(torch::nn::Module& parent, const std::string& name);

// nn.Conv3d (groups = 1, zero padding, with bias).
class Conv3d : public torch::nn::Module, public RandomInit {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, Int3 kernel, Int3 stride, Int3 padding, Int3 dilation,
         const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  void reset_parameters(at::Generator& generator) override;

 private:
  Int3 stride_;
  Int3 padding_;
  Int3 dilation_;
  at::Tensor weight_;
  at::Tensor bias_;
};

// nn.Linear with bias.
class Linear : public torch::nn::Module, public RandomInit {
 public:
  Linear(int64_t in_features, int64_t out_features, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  void reset_parameters(at::Generator& generator) override;

 private:
  at::Tensor weight_;
  at::Tensor bias_;
};

// nn.LayerNorm(channels, eps, elementwise_affine=True, bias=True) applied to the channel axis of [B, C, ...]
// (diffusers: norm(x.movedim(1, -1)).movedim(-1, 1)). Initialised to weight 1, bias 0 like torch.nn.
class ChannelLayerNorm : public torch::nn::Module {
 public:
  ChannelLayerNorm(int64_t channels, double eps, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;

 private:
  double eps_;
  at::Tensor weight_;
  at::Tensor bias_;
};

// diffusers' RMSNorm(dim, eps, elementwise_affine=False) applied to the channel axis of [B, C, ...]:
// x * rsqrt(mean(x^2 over C) + eps), the statistic in float32, the result in x's dtype.
at::Tensor channel_rms_norm(const at::Tensor& x, double eps);

}  // namespace finetrain::ltx_video::vae
