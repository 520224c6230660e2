// The flow-matching forward process and its velocity target, with per-sample, per-frame or
// per-token sigmas.
#include <ATen/core/Tensor.h>
#include <ATen/ops/rsub.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"

namespace finetrain {

at::Tensor broadcast_sigmas(const at::Tensor& sigmas, const at::Tensor& like) {
  auto mismatch = [&](const char* expected) {
    return Error(fmt::format("sigmas of shape [{}] do not fit a tensor of shape [{}]: expected {}",
                             fmt::join(sigmas.sizes(), ", "), fmt::join(like.sizes(), ", "), expected));
  };
  if (like.dim() < 1 || sigmas.dim() < 1 || sigmas.size(0) != like.size(0))
    throw mismatch("[B] or [B, F] / [B, L] with the same batch size B");
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = like.size(0);
  if (sigmas.dim() == 1) return sigmas.view(shape);
  if (sigmas.dim() == 2 && like.dim() == 5) {  // [B, C, F, H, W]
    if (sigmas.size(1) != like.size(2)) throw mismatch("[B, F] with F = the frame axis (dim 2) of [B, C, F, H, W]");
    shape[2] = like.size(2);
    return sigmas.view(shape);
  }
  if (sigmas.dim() == 2 && like.dim() == 3) {  // [B, L, D]
    if (sigmas.size(1) != like.size(1)) throw mismatch("[B, L] with L = the token axis (dim 1) of [B, L, D]");
    shape[1] = like.size(1);
    return sigmas.view(shape);
  }
  throw mismatch("[B], [B, F] for [B, C, F, H, W] latents, or [B, L] for [B, L, D] tokens");
}

at::Tensor flow_match_noisy(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigmas) {
  if (x0.sizes() != noise.sizes())
    throw Error(fmt::format("flow matching: x0 [{}] and noise [{}] differ in shape", fmt::join(x0.sizes(), ", "),
                            fmt::join(noise.sizes(), ", ")));
  const at::Tensor s = broadcast_sigmas(sigmas, x0);
  return at::rsub(s, 1.0).mul(x0).add(s.mul(noise));
}

at::Tensor flow_match_target(const at::Tensor& x0, const at::Tensor& noise) {
  if (x0.sizes() != noise.sizes())
    throw Error(fmt::format("flow matching: x0 [{}] and noise [{}] differ in shape", fmt::join(x0.sizes(), ", "),
                            fmt::join(noise.sizes(), ", ")));
  return noise.sub(x0);
}

}  // namespace finetrain
