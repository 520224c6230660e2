// One optimizer step: micro-batches with gradient accumulation, the NaN/Inf guard, clipping by
// global norm, the update. Small on purpose (torchtitan's train_step): everything around it —
// data, checkpoints, validation, logging — lives in training_run.cpp.
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/tensor_map.hpp"
#include "finetrain/trainer.hpp"
#include "plugin_host/plugin_host.hpp"
#include "training/optimizer.hpp"

namespace finetrain::host {

struct StepOutcome {
  double loss = 0.0;       // mean of the micro-batch losses
  double grad_norm = 0.0;  // global L2 norm before clipping
  bool skipped = false;    // NaN/Inf in the loss or the gradients: no update made
  std::map<std::string, double> metrics;
};

// L2 norm over the gradients of `params` (computed in double, so bf16 gradients do not overflow).
double global_grad_norm(const std::vector<std::pair<std::string, at::Tensor>>& params);
// Scales the gradients so their global norm is at most max_norm (torch's clip_grad_norm_ rule).
void clip_gradients(const std::vector<std::pair<std::string, at::Tensor>>& params, double norm, double max_norm);

StepOutcome train_step(const PluginObject<Trainer>& trainer, Optimizer& optimizer,
                       const std::function<TensorMap()>& next_micro_batch, int64_t accumulation_steps,
                       double max_grad_norm, double learning_rate, at::Generator generator);

}  // namespace finetrain::host
