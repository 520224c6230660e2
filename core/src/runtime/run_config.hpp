// From what the user typed (run file, --model, --trainer, --set) to a validated configuration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "finetrain/options.hpp"
#include "runtime/run_plugins.hpp"

namespace finetrain::host {

struct RunRequest {
  std::string run_file;
  std::string model;                     // --model; empty: model.name decides
  std::string trainer;                   // --trainer; empty: trainer.name decides
  std::vector<std::string> overrides;    // --set key=value, in command-line order
  std::optional<std::string> log_level;  // --log-level when given; else runtime.log_level
};

struct ResolvedRun {
  Options options;  // complete: defaults filled, --model/--trainer recorded as model.name/trainer.name
  RunPlugins plugins;
};

enum class PluginRequirement {
  Required,  // a training run: both a model and a trainer must be named
  Optional,  // checking a file: validate against whatever is named (the core keys at least)
};

// Reads the run file, chooses and instantiates the plugins, and validates file + overrides
// against the combined schema. Throws finetrain::Error with every problem found.
ResolvedRun resolve_run(const RunRequest& request, const PluginHost& host, PluginRequirement requirement);

}  // namespace finetrain::host
