// One case of a scheduler fixture: its scheduler config, its set_timesteps keyword arguments, and
// the number of chained step() calls its inputs describe.
#pragma once

#include <cstdint>
#include <string>

#include "diffusion/scheduler_config_reader.hpp"
#include "finetrain/tensor_map.hpp"

namespace finetrain::detail {

struct SchedulerParityCase {
  std::string config_json;         // the "config" object, serialised
  std::string set_timesteps_json;  // the "set_timesteps" object, serialised ("{}" when absent)

  // Parses {"config": {...}, "set_timesteps": {...}}; throws naming the missing or extra key.
  static SchedulerParityCase parse(const std::string& case_json);
  SchedulerConfigReader set_timesteps_reader() const;
};

// The number of steps i = 0, 1, ... for which `inputs` hold "step<i>.model_output"; each also
// needs "sample<i>" (throws naming it otherwise).
int64_t count_parity_steps(const TensorMap& inputs);

// The inputs of step i.
const at::Tensor& step_model_output(const TensorMap& inputs, int64_t i);
const at::Tensor& step_sample(const TensorMap& inputs, int64_t i);

}  // namespace finetrain::detail
