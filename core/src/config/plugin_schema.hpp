// Adding a plugin's declared keys to the run's schema.
#pragma once

#include <string>

#include "finetrain/config_schema.hpp"

namespace finetrain::host {

// Appends `plugin`'s keys to `combined`. `label` names the plugin in errors ("model plugin 'wan'");
// a non-empty `section` ("model") is the only table its keys may live in. Throws finetrain::Error
// for a key outside that section or one that is already declared.
void add_plugin_schema(ConfigSchema& combined, const ConfigSchema& plugin, const std::string& label,
                       const std::string& section);

}  // namespace finetrain::host
