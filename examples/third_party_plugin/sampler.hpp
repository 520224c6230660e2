// Validation sampling for toy-pixel: Euler integration of the flow-matching ODE dx/dsigma = v from
// pure noise (sigma = 1) to data (sigma = 0), on a shifted schedule (diffusers'
// FlowMatchEulerDiscreteScheduler with a static shift, down to sigma 0 inclusive).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace toy_pixel {

// steps + 1 sigmas: 1 - i/steps for i = 0..steps, each mapped to shift*s / (1 + (shift - 1)*s).
std::vector<double> flow_match_sigmas(int64_t steps, double shift);

// The model's velocity at `latents` and noise level `sigma`.
using VelocityFn = std::function<at::Tensor(const at::Tensor& latents, double sigma)>;

// x_{i+1} = x_i + (sigma_{i+1} - sigma_i) * v(x_i, sigma_i), starting from `noise`.
at::Tensor euler_sample(const at::Tensor& noise, const std::vector<double>& sigmas, const VelocityFn& velocity);

}  // namespace toy_pixel
