#include "transformer/feed_forward.hpp"

#include <ATen/ops/gelu.h>

#include <memory>

namespace finetrain::ltx_video {

GeluProjectionImpl::GeluProjectionImpl(int64_t dim_in, int64_t dim_out)
    : proj(register_module("proj", torch::nn::Linear(dim_in, dim_out))) {}

at::Tensor GeluProjectionImpl::forward(const at::Tensor& x) { return at::gelu(proj(x), "tanh"); }

FeedForwardImpl::FeedForwardImpl(int64_t dim) {
  // Keep diffusers' ModuleList indices: the parameterless Dropout(0.0) at index 1 is left out.
  auto net = register_module("net", std::make_shared<torch::nn::Module>("ModuleList"));
  net_0 = net->register_module("0", GeluProjection(dim, kMult * dim));
  net_2 = net->register_module("2", torch::nn::Linear(kMult * dim, dim));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return net_2(net_0(x)); }

}  // namespace finetrain::ltx_video
