// The random streams of a run. All training randomness (noise, timesteps, posterior samples) comes
// from one explicit generator handed to the trainer; dropout inside models draws from LibTorch's
// default CPU generator. Both are saved in checkpoints, so a resumed run draws the same numbers.
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>

#include "finetrain/tensor_map.hpp"

namespace finetrain::host {

at::Generator make_cpu_generator(uint64_t seed);

// {"train", "default_cpu"} generator states.
TensorMap capture_rng_states(const at::Generator& train);
void restore_rng_states(const TensorMap& states, at::Generator& train);

// Saves the default CPU generator's state and puts it back on destruction: code run inside
// (validation sampling) cannot shift the training stream.
class DefaultRngIsolation {
 public:
  DefaultRngIsolation();
  ~DefaultRngIsolation();
  DefaultRngIsolation(const DefaultRngIsolation&) = delete;
  DefaultRngIsolation& operator=(const DefaultRngIsolation&) = delete;

 private:
  at::Tensor saved_;
};

}  // namespace finetrain::host
