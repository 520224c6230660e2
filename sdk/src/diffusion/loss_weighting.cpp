// Loss weighting of flow-matching training (diffusers' compute_loss_weighting_for_sd3).
#include <ATen/core/Tensor.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/reciprocal.h>
#include <ATen/ops/rsub.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"

namespace finetrain {

LossWeighting loss_weighting_from_string(const std::string& name) {
  if (name == "none") return LossWeighting::None;
  if (name == "sigma_sqrt") return LossWeighting::SigmaSqrt;
  if (name == "cosmap") return LossWeighting::CosMap;
  throw Error(fmt::format("unknown loss weighting '{}' (expected none, sigma_sqrt or cosmap)", name));
}

const char* to_string(LossWeighting weighting) {
  switch (weighting) {
    case LossWeighting::None:
      return "none";
    case LossWeighting::SigmaSqrt:
      return "sigma_sqrt";
    case LossWeighting::CosMap:
      return "cosmap";
  }
  return "?";
}

at::Tensor loss_weighting(LossWeighting weighting, const at::Tensor& sigmas) {
  switch (weighting) {
    case LossWeighting::SigmaSqrt:
      return at::pow(sigmas, -2.0).to(at::kFloat);
    case LossWeighting::CosMap: {
      // bot = 1 - 2 * sigmas + 2 * sigmas ** 2; Python's `2 / (pi * bot)` is reciprocal(bot * pi) * 2.
      const at::Tensor bot = at::rsub(sigmas.mul(2), 1).add(at::pow(sigmas, 2).mul(2));
      return at::reciprocal(bot.mul(M_PI)).mul(2);
    }
    case LossWeighting::None:
      break;
  }
  return at::ones_like(sigmas);
}

}  // namespace finetrain
