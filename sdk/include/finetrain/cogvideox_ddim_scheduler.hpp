// diffusers' CogVideoXDDIMScheduler (scheduling_ddim_cogvideox.py at commit
// 58eb52c0803ea9af3abec60841c2a093bdf1f951): the DDIM sampler and DDPM noise schedule of CogVideoX
// (v-prediction, SNR shift, zero-terminal-SNR rescale).
//
// Tensors keep the reference's dtypes: betas / alphas_cumprod are float64 for "scaled_linear" and
// float32 for "linear", "squaredcos_cap_v2" and trained_betas; timesteps are int64.
//
// step() is deterministic DDIM: the reference's step() accepts eta, use_clipped_model_output,
// generator and variance_noise but ignores all four (no variance term, no clipping), so this
// implementation does not take them. clip_sample, clip_sample_range and sample_max_value are read
// from the config and kept, but, as in the reference, not used.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

struct FT_SDK_API CogVideoXDDIMConfig {
  enum class BetaSchedule { Linear, ScaledLinear, SquaredCosCapV2 };
  enum class PredictionType { Epsilon, Sample, VPrediction };
  enum class TimestepSpacing { Linspace, Leading, Trailing };

  int64_t num_train_timesteps = 1000;
  double beta_start = 0.00085;
  double beta_end = 0.0120;
  BetaSchedule beta_schedule = BetaSchedule::ScaledLinear;
  std::optional<std::vector<double>> trained_betas;
  bool clip_sample = true;
  bool set_alpha_to_one = true;
  int64_t steps_offset = 0;
  PredictionType prediction_type = PredictionType::Epsilon;
  double clip_sample_range = 1.0;
  double sample_max_value = 1.0;
  TimestepSpacing timestep_spacing = TimestepSpacing::Leading;
  bool rescale_betas_zero_snr = false;
  double snr_shift_scale = 3.0;

  // Parses a scheduler config JSON object (keys starting with '_' ignored); unknown keys, wrong
  // types and unknown enum values throw finetrain::Error naming `label` and the key.
  static CogVideoXDDIMConfig from_json(const std::string& json_text, const std::string& label);
};

class FT_SDK_API CogVideoXDDIMScheduler {
 public:
  explicit CogVideoXDDIMScheduler(CogVideoXDDIMConfig config);
  static CogVideoXDDIMScheduler from_config_json(const std::string& json_text, const std::string& label);

  const CogVideoXDDIMConfig& config() const { return config_; }
  const at::Tensor& betas() const { return betas_; }
  // After the SNR shift alphas_cumprod / (s + (1 - s) alphas_cumprod) and, if configured, the
  // zero-terminal-SNR rescale.
  const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }
  // alphas_cumprod "before" the first step: 1 with set_alpha_to_one, else alphas_cumprod[0] (0-dim).
  const at::Tensor& final_alpha_cumprod() const { return final_alpha_cumprod_; }

  // Before set_timesteps(): N-1 .. 0. After: the inference timesteps (int64) by timestep_spacing.
  const at::Tensor& timesteps() const { return timesteps_; }
  std::optional<int64_t> num_inference_steps() const { return num_inference_steps_; }
  void set_timesteps(int64_t num_inference_steps);

  struct StepOutput {
    at::Tensor prev_sample;
    at::Tensor pred_original_sample;
  };
  // One DDIM step (eta = 0) from `sample` at integer `timestep`; needs set_timesteps() first.
  StepOutput step(const at::Tensor& model_output, int64_t timestep, const at::Tensor& sample) const;

  // Forward process: sqrt(a_t) * x0 + sqrt(1 - a_t) * noise, a_t = alphas_cumprod[timesteps] per sample.
  at::Tensor add_noise(const at::Tensor& original_samples, const at::Tensor& noise, const at::Tensor& timesteps) const;
  // v-prediction target: sqrt(a_t) * noise - sqrt(1 - a_t) * sample.
  at::Tensor get_velocity(const at::Tensor& sample, const at::Tensor& noise, const at::Tensor& timesteps) const;

 private:
  CogVideoXDDIMConfig config_;
  at::Tensor betas_;
  at::Tensor alphas_cumprod_;
  at::Tensor final_alpha_cumprod_;
  at::Tensor timesteps_;
  std::optional<int64_t> num_inference_steps_;
};

}  // namespace finetrain
