// What a training checkpoint holds and how a run is restored from it.
//
//   step_<N>/trainable.safetensors   trainable parameters (the trainer's names)
//            optimizer.safetensors   optimizer state (fp32 moments, master weights, per-param steps)
//            rng.safetensors         generator states
//            state.json              step, data position, skipped-step count, plugins, versions
//            training_config.toml    the resolved configuration of the run that wrote it
//            <exports>               e.g. lora_weights.safetensors, to try the weights mid-run
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/epoch_sampler.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"
#include "finetrain/tensor_map.hpp"

namespace finetrain::host {

struct RunProgress {
  int64_t step = 0;  // optimizer steps completed
  DataPosition data;
  int64_t bad_steps = 0;
};

struct RunCheckpoint {
  RunProgress progress;
  TensorMap trainable;
  TensorMap optimizer;
  TensorMap rng;
  std::string model;
  std::string trainer;
};

// Writes every file but the exports into `directory` (a CheckpointStore temp dir).
void write_run_checkpoint(const std::string& directory, const RunCheckpoint& checkpoint,
                          const std::string& resolved_config_toml);

RunCheckpoint read_run_checkpoint(const std::string& directory);

// Keys that may change between a run and its resume without invalidating the checkpoint.
bool may_change_on_resume(const std::string& key);

// Throws finetrain::Error listing every key (outside may_change_on_resume) whose value differs
// between the checkpoint's training_config.toml (validated against `schema`) and `current`.
void check_resume_compatible(const std::string& directory, const Options& current, const ConfigSchema& schema);

// "latest" -> the newest complete checkpoint of `checkpoints_dir`; otherwise the path given.
std::string resolve_resume_path(const std::string& resume, const std::string& checkpoints_dir);

}  // namespace finetrain::host
