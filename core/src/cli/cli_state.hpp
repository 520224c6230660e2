// State shared by the CLI verbs: global options and the lazily created plugin host.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin_host/plugin_host.hpp"

namespace finetrain::cli {

struct CliState {
  std::vector<std::string> plugin_paths;  // --plugin-path (repeatable, ':'-separated)
  std::string log_level = "info";
  bool json = false;

  // Loads every plugin on the search path on first use.
  host::PluginHost& plugin_host();

 private:
  std::unique_ptr<host::PluginHost> host_;
};

}  // namespace finetrain::cli
