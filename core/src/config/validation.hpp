// Validation of what the user wrote against the declared keys (DESIGN §3 "Config").
#pragma once

#include <string>
#include <vector>

#include "config/config_entry.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"

namespace finetrain::host {

// Checks `entries` (the run file's, then the --set overrides: later ones win) against `schema`
// and returns complete Options: every key that was set, and every other key that has a default.
// Every problem is reported, not just the first: they are thrown together as one finetrain::Error
// (ConfigErrors), one "<location>: <message>" line each. `origin` names the input in problems
// that have no position ("run.toml: missing required key 'model.path'").
Options validate_config(const ConfigSchema& schema, const std::vector<ConfigEntry>& entries, const std::string& origin);

}  // namespace finetrain::host
