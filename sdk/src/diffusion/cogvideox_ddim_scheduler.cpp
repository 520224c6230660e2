#include "finetrain/cogvideox_ddim_scheduler.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/cumprod.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/rsub.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/sqrt.h>
#include <ATen/ops/tensor.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "diffusion/numpy_ranges.hpp"
#include "diffusion/scheduler_config_reader.hpp"
#include "finetrain/error.hpp"

namespace finetrain {
namespace {

using Config = CogVideoXDDIMConfig;

// diffusers' betas_for_alpha_bar with the cosine ("squaredcos_cap_v2") alpha_bar, in Python floats.
at::Tensor cosine_betas(int64_t n) {
  const auto alpha_bar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2.0); };
  std::vector<float> betas;
  for (int64_t i = 0; i < n; ++i) {
    const double t1 = static_cast<double>(i) / static_cast<double>(n);
    const double t2 = static_cast<double>(i + 1) / static_cast<double>(n);
    betas.push_back(static_cast<float>(std::min(1 - alpha_bar(t2) / alpha_bar(t1), 0.999)));
  }
  return at::tensor(betas, at::kFloat);
}

at::Tensor make_betas(const Config& c) {
  if (c.trained_betas) {
    std::vector<float> betas(c.trained_betas->begin(), c.trained_betas->end());
    return at::tensor(betas, at::kFloat);
  }
  switch (c.beta_schedule) {
    case Config::BetaSchedule::Linear:
      return at::linspace(c.beta_start, c.beta_end, c.num_train_timesteps, at::kFloat);
    case Config::BetaSchedule::ScaledLinear:
      return at::pow(
          at::linspace(std::pow(c.beta_start, 0.5), std::pow(c.beta_end, 0.5), c.num_train_timesteps, at::kDouble), 2);
    case Config::BetaSchedule::SquaredCosCapV2:
      return cosine_betas(c.num_train_timesteps);
  }
  throw Error("CogVideoXDDIMScheduler: unknown beta schedule");
}

// Algorithm 1 of "Common Diffusion Noise Schedules and Sample Steps are Flawed": shift sqrt(alphas_cumprod)
// so the last is 0 and rescale so the first keeps its value.
at::Tensor rescale_zero_terminal_snr(const at::Tensor& alphas_cumprod) {
  at::Tensor alphas_bar_sqrt = at::sqrt(alphas_cumprod);
  const at::Tensor first = alphas_bar_sqrt[0].clone();
  const at::Tensor last = alphas_bar_sqrt[-1].clone();
  alphas_bar_sqrt.sub_(last);
  alphas_bar_sqrt.mul_(first.div(first.sub(last)));
  return at::pow(alphas_bar_sqrt, 2);
}

template <class E>
E parse_choice(detail::SchedulerConfigReader& r, const std::string& key, const std::string& fallback,
               const std::vector<std::pair<const char*, E>>& choices) {
  const std::string value = r.get_string(key, fallback);
  std::string names;
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
    names += (names.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  }
  r.fail(key, fmt::format("expected one of {}, found \"{}\"", names, value));
}

void check_config(const Config& c, const std::string& label) {
  if (c.num_train_timesteps < 1)
    throw Error(fmt::format("{}: num_train_timesteps must be >= 1, got {}", label, c.num_train_timesteps));
  if (c.trained_betas && static_cast<int64_t>(c.trained_betas->size()) != c.num_train_timesteps)
    throw Error(fmt::format("{}: trained_betas has {} values, num_train_timesteps is {}", label,
                            c.trained_betas->size(), c.num_train_timesteps));
}

// alphas_cumprod[timesteps] ** 0.5 and (1 - alphas_cumprod[timesteps]) ** 0.5 shaped [B, 1, ...] like `like`.
std::pair<at::Tensor, at::Tensor> noise_scales(const at::Tensor& alphas_cumprod_all, const at::Tensor& like,
                                               const at::Tensor& timesteps, const char* what) {
  if (at::isFloatingType(timesteps.scalar_type()) || timesteps.scalar_type() == at::kBool)
    throw Error(fmt::format("CogVideoXDDIMScheduler.{}: timesteps must be integers, found {}", what,
                            c10::toString(timesteps.scalar_type())));
  const at::Tensor index = timesteps.to(like.device(), at::kLong).flatten();
  const int64_t n = alphas_cumprod_all.size(0);
  if (index.numel() > 0 && (index.min().item<int64_t>() < 0 || index.max().item<int64_t>() >= n))
    throw Error(fmt::format("CogVideoXDDIMScheduler.{}: timesteps must lie in [0, {})", what, n));
  const at::Tensor alphas_cumprod =
      at::index_select(alphas_cumprod_all.to(like.device(), like.scalar_type()), 0, index);
  std::vector<int64_t> shape(static_cast<size_t>(std::max<int64_t>(like.dim(), 1)), 1);
  shape[0] = index.numel();
  return {at::pow(alphas_cumprod, 0.5).view(shape), at::pow(at::rsub(alphas_cumprod, 1), 0.5).view(shape)};
}

}  // namespace

CogVideoXDDIMConfig CogVideoXDDIMConfig::from_json(const std::string& json_text, const std::string& label) {
  detail::SchedulerConfigReader r(json_text, label);
  Config c;
  c.num_train_timesteps = r.get_int("num_train_timesteps", c.num_train_timesteps);
  c.beta_start = r.get_double("beta_start", c.beta_start);
  c.beta_end = r.get_double("beta_end", c.beta_end);
  c.beta_schedule = parse_choice<Config::BetaSchedule>(r, "beta_schedule", "scaled_linear",
                                                       {{"linear", Config::BetaSchedule::Linear},
                                                        {"scaled_linear", Config::BetaSchedule::ScaledLinear},
                                                        {"squaredcos_cap_v2", Config::BetaSchedule::SquaredCosCapV2}});
  c.trained_betas = r.get_optional_doubles("trained_betas");
  c.clip_sample = r.get_bool("clip_sample", c.clip_sample);
  c.set_alpha_to_one = r.get_bool("set_alpha_to_one", c.set_alpha_to_one);
  c.steps_offset = r.get_int("steps_offset", c.steps_offset);
  c.prediction_type = parse_choice<Config::PredictionType>(r, "prediction_type", "epsilon",
                                                           {{"epsilon", Config::PredictionType::Epsilon},
                                                            {"sample", Config::PredictionType::Sample},
                                                            {"v_prediction", Config::PredictionType::VPrediction}});
  c.clip_sample_range = r.get_double("clip_sample_range", c.clip_sample_range);
  c.sample_max_value = r.get_double("sample_max_value", c.sample_max_value);
  c.timestep_spacing = parse_choice<Config::TimestepSpacing>(r, "timestep_spacing", "leading",
                                                             {{"linspace", Config::TimestepSpacing::Linspace},
                                                              {"leading", Config::TimestepSpacing::Leading},
                                                              {"trailing", Config::TimestepSpacing::Trailing}});
  c.rescale_betas_zero_snr = r.get_bool("rescale_betas_zero_snr", c.rescale_betas_zero_snr);
  c.snr_shift_scale = r.get_double("snr_shift_scale", c.snr_shift_scale);
  r.finish();
  check_config(c, label);
  return c;
}

CogVideoXDDIMScheduler::CogVideoXDDIMScheduler(CogVideoXDDIMConfig config) : config_(std::move(config)) {
  check_config(config_, "CogVideoXDDIMScheduler");
  betas_ = make_betas(config_);
  at::Tensor alphas_cumprod = at::cumprod(at::rsub(betas_, 1.0), 0);
  // SNR shift following SD3.
  const double s = config_.snr_shift_scale;
  alphas_cumprod = alphas_cumprod.div(alphas_cumprod.mul(1 - s).add(s));
  if (config_.rescale_betas_zero_snr) alphas_cumprod = rescale_zero_terminal_snr(alphas_cumprod);
  alphas_cumprod_ = alphas_cumprod;
  final_alpha_cumprod_ = config_.set_alpha_to_one ? at::scalar_tensor(1.0, at::kFloat) : alphas_cumprod_[0];
  timesteps_ = at::arange(config_.num_train_timesteps - 1, -1, -1, at::kLong);
}

CogVideoXDDIMScheduler CogVideoXDDIMScheduler::from_config_json(const std::string& json_text,
                                                                const std::string& label) {
  return CogVideoXDDIMScheduler(CogVideoXDDIMConfig::from_json(json_text, label));
}

void CogVideoXDDIMScheduler::set_timesteps(int64_t num_inference_steps) {
  const int64_t train_steps = config_.num_train_timesteps;
  if (num_inference_steps < 1 || num_inference_steps > train_steps)
    throw Error(fmt::format("CogVideoXDDIMScheduler.set_timesteps: num_inference_steps must lie in [1, {}], got {}",
                            train_steps, num_inference_steps));
  std::vector<int64_t> timesteps;
  switch (config_.timestep_spacing) {
    case Config::TimestepSpacing::Linspace:
      for (double t : detail::numpy_linspace(0, static_cast<double>(train_steps - 1), num_inference_steps))
        timesteps.push_back(static_cast<int64_t>(std::nearbyint(t)));  // numpy rounds half to even
      std::reverse(timesteps.begin(), timesteps.end());
      break;
    case Config::TimestepSpacing::Leading: {
      const int64_t step_ratio = train_steps / num_inference_steps;
      for (int64_t i = num_inference_steps - 1; i >= 0; --i) timesteps.push_back(i * step_ratio + config_.steps_offset);
      break;
    }
    case Config::TimestepSpacing::Trailing: {
      const double step_ratio = static_cast<double>(train_steps) / static_cast<double>(num_inference_steps);
      for (double t : detail::numpy_arange(static_cast<double>(train_steps), 0, -step_ratio))
        timesteps.push_back(static_cast<int64_t>(std::nearbyint(t)) - 1);
      break;
    }
  }
  timesteps_ = at::tensor(timesteps, at::kLong);
  num_inference_steps_ = num_inference_steps;
}

CogVideoXDDIMScheduler::StepOutput CogVideoXDDIMScheduler::step(const at::Tensor& model_output, int64_t timestep,
                                                                const at::Tensor& sample) const {
  if (!num_inference_steps_)
    throw Error("CogVideoXDDIMScheduler.step: the number of inference steps is not set; call set_timesteps() first");
  const int64_t train_steps = config_.num_train_timesteps;
  if (timestep < 0 || timestep >= train_steps)
    throw Error(fmt::format("CogVideoXDDIMScheduler.step: timestep {} outside [0, {})", timestep, train_steps));
  // Formulas (12) and (16) of the DDIM paper with eta = 0; 0-dim factors as in the reference.
  const int64_t prev_timestep = timestep - train_steps / *num_inference_steps_;
  const at::Tensor alpha_prod_t = alphas_cumprod_[timestep];
  const at::Tensor alpha_prod_t_prev = prev_timestep >= 0 ? alphas_cumprod_[prev_timestep] : final_alpha_cumprod_;
  const at::Tensor beta_prod_t = at::rsub(alpha_prod_t, 1);

  at::Tensor pred_original_sample;
  switch (config_.prediction_type) {
    case Config::PredictionType::Epsilon:
      pred_original_sample = sample.sub(at::pow(beta_prod_t, 0.5).mul(model_output)).div(at::pow(alpha_prod_t, 0.5));
      break;
    case Config::PredictionType::Sample:
      pred_original_sample = model_output;
      break;
    case Config::PredictionType::VPrediction:
      pred_original_sample = at::pow(alpha_prod_t, 0.5).mul(sample).sub(at::pow(beta_prod_t, 0.5).mul(model_output));
      break;
  }
  const at::Tensor a_t = at::pow(at::rsub(alpha_prod_t_prev, 1).div(at::rsub(alpha_prod_t, 1)), 0.5);
  const at::Tensor b_t = at::pow(alpha_prod_t_prev, 0.5).sub(at::pow(alpha_prod_t, 0.5).mul(a_t));
  return {a_t.mul(sample).add(b_t.mul(pred_original_sample)), pred_original_sample};
}

at::Tensor CogVideoXDDIMScheduler::add_noise(const at::Tensor& original_samples, const at::Tensor& noise,
                                             const at::Tensor& timesteps) const {
  auto [sqrt_alpha_prod, sqrt_one_minus_alpha_prod] =
      noise_scales(alphas_cumprod_, original_samples, timesteps, "add_noise");
  return sqrt_alpha_prod.mul(original_samples).add(sqrt_one_minus_alpha_prod.mul(noise));
}

at::Tensor CogVideoXDDIMScheduler::get_velocity(const at::Tensor& sample, const at::Tensor& noise,
                                                const at::Tensor& timesteps) const {
  auto [sqrt_alpha_prod, sqrt_one_minus_alpha_prod] = noise_scales(alphas_cumprod_, sample, timesteps, "get_velocity");
  return sqrt_alpha_prod.mul(noise).sub(sqrt_one_minus_alpha_prod.mul(sample));
}

}  // namespace finetrain
