#include "vae/causal_conv3d.hpp"

#include <ATen/ops/cat.h>

namespace finetrain::ltx_video::vae {

CausalConv3d::CausalConv3d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Int3 stride, bool is_causal,
                           const at::TensorOptions& options)
    : torch::nn::Module("LTXVideoCausalConv3d"), kernel_t_(kernel_size), is_causal_(is_causal) {
  const Int3 kernel{kernel_size, kernel_size, kernel_size};
  const Int3 padding{0, kernel_size / 2, kernel_size / 2};
  conv_ = register_module(
      "conv", std::make_shared<Conv3d>(in_channels, out_channels, kernel, stride, padding, Int3{1, 1, 1}, options));
}

at::Tensor CausalConv3d::forward(const at::Tensor& x) const {
  const int64_t front = is_causal_ ? kernel_t_ - 1 : (kernel_t_ - 1) / 2;
  const int64_t back = is_causal_ ? 0 : (kernel_t_ - 1) / 2;
  if (front == 0 && back == 0) return conv_->forward(x);
  const at::Tensor first = x.narrow(2, 0, 1).repeat({1, 1, front, 1, 1});
  if (back == 0) return conv_->forward(at::cat({first, x}, 2));
  const at::Tensor last = x.narrow(2, x.size(2) - 1, 1).repeat({1, 1, back, 1, 1});
  return conv_->forward(at::cat({first, x, last}, 2));
}

}  // namespace finetrain::ltx_video::vae
