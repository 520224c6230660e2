#include "vae/layers.hpp"

#include <ATen/ops/conv3d.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rsqrt.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include <cmath>

namespace finetrain::ltx_video::vae {
namespace {

// torch.nn's default for Conv/Linear: kaiming_uniform_(a=sqrt(5)) on the weight and U(-1/sqrt(fan_in), ..) on
// the bias, both of which come down to the bound 1/sqrt(fan_in).
void uniform_fan_in(at::Tensor& weight, at::Tensor& bias, int64_t fan_in, at::Generator& generator) {
  c10::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  weight.uniform_(-bound, bound, generator);
  bias.uniform_(-bound, bound, generator);
}

}  // namespace

void reset_parameters(torch::nn::Module& root, at::Generator generator) {
  for (const auto& module : root.modules(/*include_self=*/true))
    if (auto* init = dynamic_cast<RandomInit*>(module.get())) init->reset_parameters(generator);
}

std::shared_ptr<torch::nn::Module> register_module_list(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>("ModuleList"));
}

Conv3d::Conv3d(int64_t in_channels, int64_t out_channels, Int3 kernel, Int3 stride, Int3 padding, Int3 dilation,
               const at::TensorOptions& options)
    : torch::nn::Module("Conv3d"), stride_(stride), padding_(padding), dilation_(dilation) {
  weight_ =
      register_parameter("weight", at::zeros({out_channels, in_channels, kernel[0], kernel[1], kernel[2]}, options));
  bias_ = register_parameter("bias", at::zeros({out_channels}, options));
}

at::Tensor Conv3d::forward(const at::Tensor& x) const {
  return at::conv3d(x, weight_, bias_, stride_, padding_, dilation_, /*groups=*/1);
}

void Conv3d::reset_parameters(at::Generator& generator) {
  uniform_fan_in(weight_, bias_, weight_.numel() / weight_.size(0), generator);
}

Linear::Linear(int64_t in_features, int64_t out_features, const at::TensorOptions& options)
    : torch::nn::Module("Linear") {
  weight_ = register_parameter("weight", at::zeros({out_features, in_features}, options));
  bias_ = register_parameter("bias", at::zeros({out_features}, options));
}

at::Tensor Linear::forward(const at::Tensor& x) const { return at::linear(x, weight_, bias_); }

void Linear::reset_parameters(at::Generator& generator) { uniform_fan_in(weight_, bias_, weight_.size(1), generator); }

ChannelLayerNorm::ChannelLayerNorm(int64_t channels, double eps, const at::TensorOptions& options)
    : torch::nn::Module("LayerNorm"), eps_(eps) {
  weight_ = register_parameter("weight", at::ones({channels}, options));
  bias_ = register_parameter("bias", at::zeros({channels}, options));
}

at::Tensor ChannelLayerNorm::forward(const at::Tensor& x) const {
  return at::layer_norm(x.movedim(1, -1), {weight_.size(0)}, weight_, bias_, eps_).movedim(-1, 1);
}

at::Tensor channel_rms_norm(const at::Tensor& x, double eps) {
  // The same op sequence as diffusers' RMSNorm on x.movedim(1, -1), so float32 results match bit for bit.
  const at::Tensor channels_last = x.movedim(1, -1);
  const at::Tensor variance = channels_last.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  return (channels_last * at::rsqrt(variance + eps)).to(x.scalar_type()).movedim(-1, 1);
}

}  // namespace finetrain::ltx_video::vae
