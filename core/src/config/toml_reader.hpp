// TOML in, flat ConfigEntry lists out. The only place that includes toml++ (a heavy header).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_entry.hpp"

namespace finetrain::host {

// Reads and flattens a run file. Throws finetrain::Error "path: cannot read: ..." or
// "path:line:col: invalid TOML: ...".
std::vector<ConfigEntry> read_toml_file(const std::string& path);

// Flattens TOML text; `source` names it in locations and errors.
std::vector<ConfigEntry> parse_toml_text(std::string_view text, const std::string& source);

// Parses `value_text` as one TOML value (a --set right-hand side) and flattens it under `key`,
// every location set to `location`. nullopt when the text is not exactly one TOML value.
std::optional<std::vector<ConfigEntry>> parse_toml_value(const std::string& key, std::string_view value_text,
                                                         const SourceLocation& location);

}  // namespace finetrain::host
