// Learning-rate schedules as diffusers' get_scheduler defines them (transformers' optimization.py):
// a multiplier of the base learning rate for every optimizer step.
#pragma once

#include <cstdint>
#include <string>

namespace finetrain::host {

struct LrScheduleSettings {
  std::string name = "constant";  // constant | constant_with_warmup | linear | cosine | cosine_with_restarts | polynomial
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double num_cycles = 1.0;  // cosine_with_restarts: number of hard restarts
  double power = 1.0;       // polynomial
  double lr_end = 1e-7;     // polynomial: final learning rate (absolute)
};

// Multiplier for the learning rate used by step `step` (0-based: the first update is step 0).
// Throws finetrain::Error for an unknown name.
double lr_multiplier(const LrScheduleSettings& settings, double base_lr, int64_t step);

}  // namespace finetrain::host
