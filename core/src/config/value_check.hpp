// One user value against one declared key: type, range and allowed values.
#pragma once

#include <optional>
#include <string>

#include "config/config_entry.hpp"
#include "config/config_errors.hpp"
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

// The value as `spec` declares it, or nullopt after adding the problems to `errors` (at the
// value's location). Integers are accepted for floats (5 -> 5.0), not the other way round.
// `display_key` names the key in messages. Arrays of tables are the validator's job, not this one's.
std::optional<Value> check_value(const OptionSpec& spec, const std::string& display_key, const ConfigValue& value,
                                 ConfigErrors& errors);

// "key 'K' expects <type>, got <what the value is>"
std::string type_mismatch(const std::string& display_key, const char* expected, const ConfigValue& value);

}  // namespace finetrain::host
