#include "sampler.hpp"

#include <ATen/TensorOperators.h>
#include <finetrain/error.hpp>

#include <string>

namespace toy_pixel {

std::vector<double> flow_match_sigmas(int64_t steps, double shift) {
  if (steps < 1)
    throw finetrain::Error("toy-pixel sampler: num_inference_steps must be >= 1, found " + std::to_string(steps));
  if (!(shift > 0)) throw finetrain::Error("toy-pixel sampler: shift must be > 0, found " + std::to_string(shift));
  std::vector<double> sigmas;
  for (int64_t i = 0; i <= steps; ++i) {
    const double s = 1.0 - static_cast<double>(i) / static_cast<double>(steps);
    sigmas.push_back(shift * s / (1.0 + (shift - 1.0) * s));
  }
  return sigmas;
}

at::Tensor euler_sample(const at::Tensor& noise, const std::vector<double>& sigmas, const VelocityFn& velocity) {
  at::Tensor x = noise;
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) x = x + (sigmas[i + 1] - sigmas[i]) * velocity(x, sigmas[i]);
  return x;
}

}  // namespace toy_pixel
