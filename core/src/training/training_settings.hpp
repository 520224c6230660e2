// The typed view of the core configuration sections the training loop reads.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/precompute.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/options.hpp"
#include "training/lr_schedule.hpp"
#include "training/optimizer.hpp"

namespace finetrain::host {

struct ValidationPrompt {
  SampleRequest request;  // sizes already defaulted from data.*
  std::string label;      // for logs: the prompt, shortened
};

struct TrainingSettings {
  std::string output_dir;
  int64_t max_steps = 0;
  int64_t batch_size = 1;
  int64_t accumulation_steps = 1;
  double max_grad_norm = 0.0;
  bool gradient_checkpointing = false;
  c10::ScalarType dtype = c10::ScalarType::Float;
  uint64_t seed = 0;
  bool deterministic = false;
  int64_t max_bad_steps = 0;

  double learning_rate = 0.0;
  OptimizerSettings optimizer;
  LrScheduleSettings lr_schedule;

  int64_t checkpoint_every = 0;
  int64_t checkpoint_keep_last = 0;
  bool checkpoint_export_weights = true;

  int64_t validation_every = 0;
  std::vector<ValidationPrompt> validation_prompts;
  bool validation_gif = false;

  std::string data_path;
  FrameBucket bucket;
  bool data_shuffle = true;
  bool data_strict = false;
};

// "fp32" | "bf16" | "fp16" -> scalar type.
c10::ScalarType dtype_from_name(const std::string& name);

TrainingSettings training_settings_from_options(const Options& options);

}  // namespace finetrain::host
