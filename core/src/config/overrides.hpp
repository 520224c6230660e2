// `--set key=value`: overrides applied after the run file, checked like it.
#pragma once

#include <string>
#include <vector>

#include "config/config_entry.hpp"
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

struct Override {
  std::string key;          // as written, surrounding spaces removed
  std::string value_text;   // everything after the first '='
  SourceLocation location;  // "--set key=value", the prefix of every problem it causes
};

// Splits "key=value". Throws finetrain::Error "--set TEXT: expected key=value" without a key.
Override parse_override(const std::string& text);

// The override as entries to validate. The value is read as a TOML value (10, 1e-4, true,
// "text", ["a", "b"], {inline = "table"}); for a key declared as a string, text that is not a
// TOML string is taken literally, so `--set model.preset=tiny` needs no quotes. Text that is no
// TOML value at all is a string too, which validation then reports for non-string keys.
std::vector<ConfigEntry> override_entries(const Override& given, const ConfigSchema& schema);

}  // namespace finetrain::host
