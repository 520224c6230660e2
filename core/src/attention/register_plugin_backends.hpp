// Attention backends from plugins: every ATTENTION_BACKEND component the host loaded is created
// and added to the attention registry, behind an adapter that routes each call into plugin code
// through the host's choke point (errors come out prefixed with the plugin's name).
#pragma once

#include <string>
#include <vector>

#include "finetrain/attention.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

struct PluginBackendRegistration {
  std::string backend;  // registry name
  std::string plugin;   // the plugin that provides it
  std::string error;    // empty when registered; otherwise why not (also logged as a warning)
};

// One entry per attention backend component of `host`. A backend that cannot be created or
// added (name clash, name() differing from its registered name) is skipped, never fatal.
std::vector<PluginBackendRegistration> register_plugin_backends(const PluginHost& host, AttentionRegistry& registry);

}  // namespace finetrain::host
