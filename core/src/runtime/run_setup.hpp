// Everything before the first training step that does not depend on the model: the validated
// configuration, the plugins, the output directory, logging, threads and the resolved config on
// disk. The training engine starts from a RunSetup.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"
#include "runtime/run_config.hpp"

namespace finetrain::host {

struct RunEnvironment {
  std::filesystem::path output_dir;
  std::filesystem::path log_file;         // <output_dir>/finetrain.log
  std::filesystem::path resolved_config;  // <output_dir>/training_config.toml
  int intra_op_threads = 0;
};

struct RunSetup {
  ResolvedRun config;
  RunEnvironment environment;
};

// Creates output_dir, logs to stderr and <output_dir>/finetrain.log (at `cli_log_level` when
// given, else runtime.log_level), sets the intra-op threads from runtime.threads and writes the
// resolved configuration to <output_dir>/training_config.toml.
RunEnvironment prepare_run_environment(const Options& options, const ConfigSchema& schema,
                                       const std::optional<std::string>& cli_log_level);

// resolve_run() with both plugins required, then prepare_run_environment().
RunSetup set_up_run(const RunRequest& request, const PluginHost& host);

}  // namespace finetrain::host
