// A whole training run, from the run file to the exported weights. Model- and trainer-agnostic:
// it knows the model only as a ModelSpec and the trainer only as a Trainer.
#pragma once

#include <optional>
#include <string>

#include "plugin_host/plugin_host.hpp"
#include "runtime/run_config.hpp"

namespace finetrain::host {

struct TrainCommand {
  RunRequest request;
  std::optional<std::string> resume;  // "latest" or a checkpoint directory
  bool progress_bar = true;           // only drawn when stderr is a terminal
};

// Trains; returns the process exit code (0 also when stopped by SIGTERM/SIGINT after writing a
// checkpoint). Throws finetrain::Error for configuration, data and plugin failures.
int run_training(const TrainCommand& command, PluginHost& host);

}  // namespace finetrain::host
