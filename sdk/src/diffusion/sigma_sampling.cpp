// Training sigma sampling: diffusers' compute_density_for_timestep_sampling with an explicit generator.
// Arithmetic is spelled as tensor methods in the reference's operation order (same float rounding).
#include <ATen/core/Tensor.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/normal.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/rsub.h>
#include <ATen/ops/sigmoid.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"

namespace finetrain {

SigmaSamplingScheme sigma_sampling_scheme_from_string(const std::string& name) {
  if (name == "uniform" || name == "none") return SigmaSamplingScheme::Uniform;
  if (name == "logit_normal") return SigmaSamplingScheme::LogitNormal;
  if (name == "mode") return SigmaSamplingScheme::Mode;
  throw Error(fmt::format("unknown sigma sampling scheme '{}' (expected uniform, logit_normal or mode)", name));
}

const char* to_string(SigmaSamplingScheme scheme) {
  switch (scheme) {
    case SigmaSamplingScheme::Uniform:
      return "uniform";
    case SigmaSamplingScheme::LogitNormal:
      return "logit_normal";
    case SigmaSamplingScheme::Mode:
      return "mode";
  }
  return "?";
}

at::Tensor sample_timestep_density(const SigmaSampling& sampling, at::IntArrayRef sizes, at::Generator generator) {
  const auto options = at::TensorOptions().dtype(at::kFloat).device(generator.device());
  switch (sampling.scheme) {
    case SigmaSamplingScheme::LogitNormal:
      if (!(sampling.logit_std > 0.0))
        throw Error(fmt::format("logit_normal sigma sampling needs logit_std > 0, got {}", sampling.logit_std));
      return at::sigmoid(at::normal(sampling.logit_mean, sampling.logit_std, sizes, generator, options));
    case SigmaSamplingScheme::Mode: {
      // Same operation order as diffusers: u = 1 - u - scale * (cos(pi * u / 2) ** 2 - 1 + u).
      at::Tensor u = at::rand(sizes, generator, options);
      const at::Tensor cos_term = at::cos(u.mul(M_PI).div(2)).pow(2);
      return at::rsub(u, 1).sub(cos_term.sub(1).add(u).mul(sampling.mode_scale));
    }
    case SigmaSamplingScheme::Uniform:
      break;
  }
  return at::rand(sizes, generator, options);
}

at::Tensor sample_flow_sigmas(const SigmaSampling& sampling, const FlowShift& shift, at::IntArrayRef sizes,
                              int64_t seq_len, at::Generator generator) {
  return shift.apply(sample_timestep_density(sampling, sizes, std::move(generator)), seq_len);
}

}  // namespace finetrain
