// Which model and trainer plugins a run uses, and the configuration keys they bring.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config_entry.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/trainer.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

struct PluginName {
  std::string name;
  SourceLocation source;  // where it was chosen: "--model wan", or model.name's place in the run file
};

struct PluginNames {
  std::optional<PluginName> model;
  std::optional<PluginName> trainer;
};

// --model / --trainer win; otherwise the last model.name / trainer.name among `entries` (the run
// file's, then --set's). A name that is not a string is an error, worded as validation words it.
PluginNames choose_plugin_names(const std::string& cli_model, const std::string& cli_trainer,
                                const std::vector<ConfigEntry>& entries);

struct RunPlugins {
  PluginObject<ModelSpec> model;  // empty when no model was named
  PluginObject<Trainer> trainer;  // empty when no trainer was named
  ConfigSchema schema;            // the core's keys, then the model's, then the trainer's
};

// Instantiates the named plugins and collects their options_schema() (through the choke point).
// An unknown name is an error at its source listing the available ones.
RunPlugins load_run_plugins(const PluginHost& host, const PluginNames& names);

}  // namespace finetrain::host
