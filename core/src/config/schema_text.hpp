// How declared keys are described to users, shared by validation errors, `config explain` and
// the resolved-config writer so that all three say the same thing.
#pragma once

#include <string>
#include <vector>

#include "finetrain/config_schema.hpp"

namespace finetrain::host {

// "[0, 1]", "[0, inf)", "(-inf, 1]"; empty when the key has no bounds.
std::string range_text(const OptionSpec& spec);
// "adamw, adam, sgd"; empty when any value is allowed.
std::string allowed_text(const OptionSpec& spec);
// The default as a TOML literal; empty when the key has none.
std::string default_text(const OptionSpec& spec);

// Dotted key split at '.' ("a.b.c" -> {"a", "b", "c"}).
std::vector<std::string> key_path(const std::string& key);
// Every proper prefix of the declared keys ("model" for "model.name"): the tables a file may open.
std::vector<std::string> section_names(const std::vector<OptionSpec>& specs);

}  // namespace finetrain::host
