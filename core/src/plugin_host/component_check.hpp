// Instantiating a registered component once, the way the host will when a run uses it: through
// PluginHost::create<I>, the choke point. `finetrain plugins check` runs this on every component so
// a user learns right after installing a plugin whether its factories work in this host.
#pragma once

#include <string>

#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

struct ComponentCheck {
  bool ok = false;
  std::string error;   // when not ok: the choke point's message, prefixed with the plugin name
  std::string detail;  // when ok: what was checked ("instantiated", or why nothing was)
};

// Creates and destroys one instance of `info` through `host`. Never throws for plugin faults.
ComponentCheck check_component(const PluginHost& host, const ComponentInfo& info);

}  // namespace finetrain::host
