// `finetrain config explain`: every declared key with its type, default, allowed values and doc.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "finetrain/config_schema.hpp"

namespace finetrain::host {

struct ExplainPlugins {
  std::string model;  // the chosen plugins, empty when none
  std::string trainer;
  std::vector<std::string> available_models;  // shown for a kind that was not chosen
  std::vector<std::string> available_trainers;
};

// Keys grouped by section (top-level keys first, then sections in schema order).
std::string explain_text(const ConfigSchema& schema, const ExplainPlugins& plugins);
// {"plugins": {...}, "available": {...}, "keys": [{"key", "section", "type", "default", ...}]};
// defaults as JSON values (null: none).
nlohmann::json explain_json(const ConfigSchema& schema, const ExplainPlugins& plugins);

}  // namespace finetrain::host
