// diffusers' FlowMatchEulerDiscreteScheduler (scheduling_flow_match_euler_discrete.py at commit
// 58eb52c0803ea9af3abec60841c2a093bdf1f951): the sampler of LTX-Video, Wan (flow variants),
// HunyuanVideo and Flux, and the source of the discrete training sigma table.
//
// Numerics follow the reference step by step: the training table is float32 (torch), the
// set_timesteps() schedule is float64 when computed (numpy linspace) and float32 when the caller
// passes sigmas or timesteps (numpy float32 arrays, NumPy 2 scalar rules), then stored as float32
// sigmas and float32 timesteps = sigmas * num_train_timesteps, with a trailing 0 (1 if
// invert_sigmas) appended to the sigmas. step() upcasts the sample to float32.
//
// Not supported (rejected with an error): use_beta_sigmas (needs scipy's beta.ppf) and the
// per_token_timesteps argument of step().
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

enum class TimeShiftType { Exponential, Linear };

// The scheduler's config, as in a diffusers scheduler_config.json.
struct FT_SDK_API FlowMatchEulerDiscreteConfig {
  int64_t num_train_timesteps = 1000;
  double shift = 1.0;
  bool use_dynamic_shifting = false;
  std::optional<double> base_shift = 0.5;
  std::optional<double> max_shift = 1.15;
  int64_t base_image_seq_len = 256;
  int64_t max_image_seq_len = 4096;
  bool invert_sigmas = false;
  std::optional<double> shift_terminal;  // null in JSON: no stretching
  bool use_karras_sigmas = false;
  bool use_exponential_sigmas = false;
  bool use_beta_sigmas = false;
  TimeShiftType time_shift_type = TimeShiftType::Exponential;
  bool stochastic_sampling = false;

  // Parses a scheduler config JSON object. Keys starting with '_' are metadata and ignored; an
  // unknown key, a wrong type or an unsupported value throws finetrain::Error naming `label` and the key.
  static FlowMatchEulerDiscreteConfig from_json(const std::string& json_text, const std::string& label);
};

// The keyword arguments of set_timesteps().
struct FT_SDK_API FlowMatchTimestepsRequest {
  std::optional<int64_t> num_inference_steps;
  std::optional<std::vector<double>> sigmas;     // custom sigmas (before shifting)
  std::optional<double> mu;                      // required with use_dynamic_shifting
  std::optional<std::vector<double>> timesteps;  // custom timesteps, used when sigmas are not given
};

class FT_SDK_API FlowMatchEulerDiscreteScheduler {
 public:
  explicit FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig config);
  static FlowMatchEulerDiscreteScheduler from_config_json(const std::string& json_text, const std::string& label);

  const FlowMatchEulerDiscreteConfig& config() const { return config_; }

  // Before set_timesteps(): the training table, num_train_timesteps float32 sigmas from 1 down to
  // 1/num_train_timesteps (statically shifted unless use_dynamic_shifting) and timesteps = sigmas * N.
  // After: the inference schedule, timesteps [n] and sigmas [n + 1].
  const at::Tensor& timesteps() const { return timesteps_; }
  const at::Tensor& sigmas() const { return sigmas_; }

  void set_timesteps(const FlowMatchTimestepsRequest& request);

  // diffusers' calculate_shift over this config's base/max sequence lengths and shifts: the mu a
  // pipeline passes to set_timesteps() for a latent sequence of `seq_len` tokens.
  double mu_for_sequence_length(int64_t seq_len) const;

  // The static shift (config.shift unless changed by set_shift()).
  double shift() const { return shift_; }
  void set_shift(double shift) { shift_ = shift; }

  std::optional<int64_t> step_index() const { return step_index_; }
  std::optional<int64_t> begin_index() const { return begin_index_; }
  void set_begin_index(int64_t begin_index) { begin_index_ = begin_index; }

  // Index of `timestep` in timesteps(); the second match when it occurs more than once (as the
  // reference does, so a schedule entered mid-way does not skip a sigma). Throws when absent.
  int64_t index_for_timestep(double timestep) const;

  // One Euler step from `sample` at `timestep` (a value of timesteps()) with the model's velocity
  // prediction: sample + (sigma_next - sigma) * model_output, in float32, cast back to
  // model_output's dtype. With stochastic_sampling the next sample is re-noised from the x0
  // estimate with noise drawn from `generator` (required then).
  at::Tensor step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                  std::optional<at::Generator> generator = std::nullopt);

 private:
  FlowMatchEulerDiscreteConfig config_;
  double shift_;
  double sigma_min_;
  double sigma_max_;
  at::Tensor timesteps_;
  at::Tensor sigmas_;
  std::optional<int64_t> step_index_;
  std::optional<int64_t> begin_index_;
};

}  // namespace finetrain
