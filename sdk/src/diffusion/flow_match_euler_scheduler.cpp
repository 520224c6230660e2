#include "finetrain/flow_match_euler_scheduler.hpp"

#include <ATen/ops/cat.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/reciprocal.h>
#include <ATen/ops/rsub.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include <cmath>

#include "diffusion/numpy_ranges.hpp"
#include "diffusion/scheduler_config_reader.hpp"
#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"

namespace finetrain {
namespace {

void check_config(const FlowMatchEulerDiscreteConfig& c, const std::string& label) {
  if (c.num_train_timesteps < 1)
    throw Error(fmt::format("{}: num_train_timesteps must be >= 1, got {}", label, c.num_train_timesteps));
  if (int(c.use_karras_sigmas) + int(c.use_exponential_sigmas) + int(c.use_beta_sigmas) > 1)
    throw Error(
        fmt::format("{}: only one of use_karras_sigmas, use_exponential_sigmas, use_beta_sigmas can be set", label));
  if (c.use_beta_sigmas)
    throw Error(fmt::format("{}: use_beta_sigmas is not supported (the reference needs scipy's beta.ppf)", label));
}

at::Tensor float32_tensor(const std::vector<double>& values) {
  std::vector<float> narrowed(values.begin(), values.end());
  return at::tensor(narrowed, at::kFloat);
}

// diffusers' stretch_shift_to_terminal: rescales 1 - t so that the last value becomes shift_terminal.
at::Tensor stretch_to_terminal(const at::Tensor& t, double shift_terminal) {
  const at::Tensor one_minus_z = at::rsub(t, 1);
  const at::Tensor scale_factor = one_minus_z[-1].div(1 - shift_terminal);
  return at::rsub(one_minus_z.div(scale_factor), 1);
}

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t n) {
  const double rho = 7.0;
  const double min_inv_rho = std::pow(sigma_min, 1 / rho);
  const double max_inv_rho = std::pow(sigma_max, 1 / rho);
  std::vector<double> sigmas = detail::numpy_linspace(0, 1, n);
  for (double& r : sigmas) r = std::pow(max_inv_rho + r * (min_inv_rho - max_inv_rho), rho);
  return sigmas;
}

std::vector<double> exponential_sigmas(double sigma_min, double sigma_max, int64_t n) {
  std::vector<double> sigmas = detail::numpy_linspace(std::log(sigma_max), std::log(sigma_min), n);
  for (double& s : sigmas) s = std::exp(s);
  return sigmas;
}

}  // namespace

FlowMatchEulerDiscreteConfig FlowMatchEulerDiscreteConfig::from_json(const std::string& json_text,
                                                                     const std::string& label) {
  detail::SchedulerConfigReader r(json_text, label);
  FlowMatchEulerDiscreteConfig c;
  c.num_train_timesteps = r.get_int("num_train_timesteps", c.num_train_timesteps);
  c.shift = r.get_double("shift", c.shift);
  c.use_dynamic_shifting = r.get_bool("use_dynamic_shifting", c.use_dynamic_shifting);
  c.base_shift = r.get_optional_double("base_shift", c.base_shift);
  c.max_shift = r.get_optional_double("max_shift", c.max_shift);
  c.base_image_seq_len = r.get_int("base_image_seq_len", c.base_image_seq_len);
  c.max_image_seq_len = r.get_int("max_image_seq_len", c.max_image_seq_len);
  c.invert_sigmas = r.get_bool("invert_sigmas", c.invert_sigmas);
  c.shift_terminal = r.get_optional_double("shift_terminal", c.shift_terminal);
  c.use_karras_sigmas = r.get_bool("use_karras_sigmas", c.use_karras_sigmas);
  c.use_exponential_sigmas = r.get_bool("use_exponential_sigmas", c.use_exponential_sigmas);
  c.use_beta_sigmas = r.get_bool("use_beta_sigmas", c.use_beta_sigmas);
  const std::string shift_type = r.get_string("time_shift_type", "exponential");
  if (shift_type == "exponential") {
    c.time_shift_type = TimeShiftType::Exponential;
  } else if (shift_type == "linear") {
    c.time_shift_type = TimeShiftType::Linear;
  } else {
    r.fail("time_shift_type", fmt::format("expected \"exponential\" or \"linear\", found \"{}\"", shift_type));
  }
  c.stochastic_sampling = r.get_bool("stochastic_sampling", c.stochastic_sampling);
  r.finish();
  check_config(c, label);
  return c;
}

FlowMatchEulerDiscreteScheduler::FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig config)
    : config_(std::move(config)), shift_(config_.shift) {
  check_config(config_, "FlowMatchEulerDiscreteScheduler");
  const int64_t n = config_.num_train_timesteps;
  // np.linspace(1, N, N, dtype=float32)[::-1] holds the exact integers N .. 1.
  std::vector<double> descending(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) descending[static_cast<size_t>(i)] = static_cast<double>(n - i);
  at::Tensor sigmas = float32_tensor(descending).div(n);
  if (!config_.use_dynamic_shifting) sigmas = shift_sigmas(sigmas, shift_);
  timesteps_ = sigmas.mul(n);
  sigmas_ = sigmas;
  sigma_min_ = sigmas[-1].item<double>();
  sigma_max_ = sigmas[0].item<double>();
}

FlowMatchEulerDiscreteScheduler FlowMatchEulerDiscreteScheduler::from_config_json(const std::string& json_text,
                                                                                  const std::string& label) {
  return FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig::from_json(json_text, label));
}

double FlowMatchEulerDiscreteScheduler::mu_for_sequence_length(int64_t seq_len) const {
  if (!config_.base_shift || !config_.max_shift)
    throw Error(
        "FlowMatchEulerDiscreteScheduler: mu from the sequence length needs base_shift and max_shift in the config");
  return resolution_shift_mu(seq_len, config_.base_image_seq_len, config_.max_image_seq_len, *config_.base_shift,
                             *config_.max_shift);
}

void FlowMatchEulerDiscreteScheduler::set_timesteps(const FlowMatchTimestepsRequest& request) {
  const auto fail = [](const std::string& message) {
    return Error("FlowMatchEulerDiscreteScheduler.set_timesteps: " + message);
  };
  if (config_.use_dynamic_shifting && !request.mu) throw fail("mu must be given when use_dynamic_shifting is true");
  if (request.sigmas && request.timesteps && request.sigmas->size() != request.timesteps->size())
    throw fail(fmt::format("sigmas ({}) and timesteps ({}) must have the same length", request.sigmas->size(),
                           request.timesteps->size()));
  int64_t n = 0;
  if (request.num_inference_steps) {
    n = *request.num_inference_steps;
    if ((request.sigmas && static_cast<int64_t>(request.sigmas->size()) != n) ||
        (request.timesteps && static_cast<int64_t>(request.timesteps->size()) != n))
      throw fail(fmt::format("sigmas and timesteps must have num_inference_steps = {} entries", n));
  } else if (request.sigmas || request.timesteps) {
    n = static_cast<int64_t>(request.sigmas ? request.sigmas->size() : request.timesteps->size());
  } else {
    throw fail("needs num_inference_steps, sigmas or timesteps");
  }
  if (n < 1) throw fail(fmt::format("needs at least one step, got {}", n));
  const int64_t train_steps = config_.num_train_timesteps;

  // 1. Unshifted sigmas: float64 from numpy's linspace, float32 where the caller gave values.
  at::Tensor s;
  if (request.sigmas) {
    s = float32_tensor(*request.sigmas);
  } else if (request.timesteps) {
    s = float32_tensor(*request.timesteps).div(train_steps);
  } else {
    const auto grid = detail::numpy_linspace(sigma_max_ * static_cast<double>(train_steps),
                                             sigma_min_ * static_cast<double>(train_steps), n);
    s = at::tensor(grid, at::kDouble).div(train_steps);
  }

  // 2. Shift: resolution-dependent with mu, else static.
  if (config_.use_dynamic_shifting) {
    if (config_.time_shift_type == TimeShiftType::Exponential) {
      s = time_shift_exponential(s, *request.mu, 1.0);
    } else {
      s = at::full_like(s, *request.mu).div(at::pow(at::reciprocal(s).sub(1), 1.0).add(*request.mu));
    }
  } else {
    s = shift_sigmas(s, shift_);
  }

  // 3. Stretch to end at shift_terminal (a falsy 0 disables it, as in the reference).
  if (config_.shift_terminal && *config_.shift_terminal != 0.0) s = stretch_to_terminal(s, *config_.shift_terminal);

  // 4. Optional re-spacing between the shifted end points (float64).
  if (config_.use_karras_sigmas) {
    s = at::tensor(karras_sigmas(s[-1].item<double>(), s[0].item<double>(), n), at::kDouble);
  } else if (config_.use_exponential_sigmas) {
    s = at::tensor(exponential_sigmas(s[-1].item<double>(), s[0].item<double>(), n), at::kDouble);
  }

  // 5./6. float32 sigmas, timesteps = sigmas * N, terminal value appended.
  at::Tensor sigmas = s.to(at::kFloat);
  at::Tensor terminal;
  if (config_.invert_sigmas) {
    sigmas = at::rsub(sigmas, 1.0);
    terminal = at::ones({1}, at::kFloat);
  } else {
    terminal = at::zeros({1}, at::kFloat);
  }
  timesteps_ = sigmas.mul(train_steps);
  sigmas_ = at::cat({sigmas, terminal});
  step_index_.reset();
  begin_index_.reset();
}

int64_t FlowMatchEulerDiscreteScheduler::index_for_timestep(double timestep) const {
  // The reference compares float32 timesteps with the scalar cast to float32.
  const float wanted = static_cast<float>(timestep);
  const at::Tensor ts = timesteps_.contiguous();
  const float* data = ts.data_ptr<float>();
  std::vector<int64_t> matches;
  for (int64_t i = 0; i < ts.numel(); ++i)
    if (data[i] == wanted) matches.push_back(i);
  if (matches.empty())
    throw Error(fmt::format("FlowMatchEulerDiscreteScheduler: timestep {} is not in the schedule", timestep));
  return matches.size() > 1 ? matches[1] : matches[0];
}

at::Tensor FlowMatchEulerDiscreteScheduler::step(const at::Tensor& model_output, double timestep,
                                                 const at::Tensor& sample, std::optional<at::Generator> generator) {
  if (config_.stochastic_sampling && !generator)
    throw Error("FlowMatchEulerDiscreteScheduler.step: stochastic_sampling needs a generator");
  if (!step_index_) step_index_ = begin_index_ ? *begin_index_ : index_for_timestep(timestep);
  const int64_t index = *step_index_;
  if (index < 0 || index + 1 >= sigmas_.size(0))
    throw Error(fmt::format("FlowMatchEulerDiscreteScheduler.step: step index {} is past the last of {} steps", index,
                            sigmas_.size(0) - 1));

  // Upcast to avoid precision issues; sigma and sigma_next stay 0-dim float32 tensors as in the
  // reference, so they do not promote model_output.
  const at::Tensor sample32 = sample.to(at::kFloat);
  const at::Tensor sigma = sigmas_[index];
  const at::Tensor sigma_next = sigmas_[index + 1];
  at::Tensor prev_sample;
  if (config_.stochastic_sampling) {
    const at::Tensor x0 = sample32.sub(sigma.mul(model_output));
    // Drawn on the generator's device, then moved (diffusers' randn_tensor does the same).
    const at::Tensor noise =
        at::randn(sample32.sizes(), *generator, sample32.options().device(generator->device())).to(sample32.device());
    prev_sample = at::rsub(sigma_next, 1.0).mul(x0).add(sigma_next.mul(noise));
  } else {
    prev_sample = sample32.add(sigma_next.sub(sigma).mul(model_output));
  }
  step_index_ = index + 1;
  return prev_sample.to(model_output.scalar_type());
}

}  // namespace finetrain
