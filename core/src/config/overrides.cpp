#include "config/overrides.hpp"

#include <fmt/format.h>

#include "config/toml_reader.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

std::string trimmed(const std::string& s) {
  const char* space = " \t";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

}  // namespace

Override parse_override(const std::string& text) {
  SourceLocation location{"--set " + text, 0, 0};
  size_t eq = text.find('=');
  std::string key = eq == std::string::npos ? "" : trimmed(text.substr(0, eq));
  if (key.empty()) throw Error(location.to_string() + ": expected key=value");
  return Override{key, text.substr(eq + 1), location};
}

std::vector<ConfigEntry> override_entries(const Override& given, const ConfigSchema& schema) {
  auto parsed = parse_toml_value(given.key, given.value_text, given.location);
  const OptionSpec* spec = schema.find(given.key);
  const bool wants_string = spec && spec->type == ValueType::String;
  const bool parsed_string = parsed && parsed->size() == 1 && parsed->front().value.kind == ConfigValue::Kind::String;
  if (parsed && (!wants_string || parsed_string)) return *parsed;

  ConfigValue text;
  text.kind = ConfigValue::Kind::String;
  text.text = given.value_text;
  text.location = given.location;
  return {ConfigEntry{given.key, given.location, std::move(text)}};
}

}  // namespace finetrain::host
