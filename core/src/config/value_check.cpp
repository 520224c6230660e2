#include "config/value_check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/did_you_mean.hpp"
#include "config/schema_text.hpp"

namespace finetrain::host {
namespace {

using Kind = ConfigValue::Kind;

bool in_range(const OptionSpec& spec, double v) {
  // Written so that NaN is out of any range.
  return !(spec.min && !(v >= *spec.min)) && !(spec.max && !(v <= *spec.max));
}

std::optional<Value> checked_number(const OptionSpec& spec, const std::string& display_key, Value v, double number,
                                    const SourceLocation& where, ConfigErrors& errors) {
  if (in_range(spec, number)) return v;
  errors.add(where, fmt::format("key '{}' = {} is out of range {}", display_key, to_toml_literal(v), range_text(spec)));
  return std::nullopt;
}

std::string suggestion(const std::string& typed, const OptionSpec& spec) {
  auto match = closest_match(typed, spec.allowed);
  return match ? fmt::format(" (did you mean {}?)", to_toml_literal(*match)) : "";
}

bool allowed(const OptionSpec& spec, const std::string& s) {
  return spec.allowed.empty() || std::find(spec.allowed.begin(), spec.allowed.end(), s) != spec.allowed.end();
}

std::optional<Value> checked_string(const OptionSpec& spec, const std::string& display_key, const ConfigValue& value,
                                    ConfigErrors& errors) {
  if (allowed(spec, value.text)) return Value(value.text);
  errors.add(value.location, fmt::format("key '{}' = {} is not one of {}{}", display_key, literal(value),
                                         allowed_text(spec), suggestion(value.text, spec)));
  return std::nullopt;
}

std::optional<Value> checked_string_list(const OptionSpec& spec, const std::string& display_key,
                                         const ConfigValue& value, ConfigErrors& errors) {
  StringList list;
  bool ok = true;
  for (const ConfigValue& item : value.items) {
    if (!allowed(spec, item.text)) {
      errors.add(item.location, fmt::format("key '{}' contains {}, which is not one of {}{}", display_key,
                                            literal(item), allowed_text(spec), suggestion(item.text, spec)));
      ok = false;
    }
    list.push_back(item.text);
  }
  if (!ok) return std::nullopt;
  return Value(std::move(list));
}

bool all_strings(const ConfigValue& value) {
  for (const ConfigValue& item : value.items)
    if (item.kind != Kind::String) return false;
  return true;
}

}  // namespace

std::string type_mismatch(const std::string& display_key, const char* expected, const ConfigValue& value) {
  return fmt::format("key '{}' expects {}, got {}", display_key, expected, describe(value));
}

std::optional<Value> check_value(const OptionSpec& spec, const std::string& display_key, const ConfigValue& value,
                                 ConfigErrors& errors) {
  switch (spec.type) {
    case ValueType::Bool:
      if (value.kind == Kind::Bool) return Value(value.boolean);
      break;
    case ValueType::Int:
      if (value.kind == Kind::Int)
        return checked_number(spec, display_key, value.integer, static_cast<double>(value.integer), value.location,
                              errors);
      break;
    case ValueType::Float:
      if (value.kind == Kind::Int || value.kind == Kind::Float) {
        double number = value.kind == Kind::Int ? static_cast<double>(value.integer) : value.number;
        return checked_number(spec, display_key, number, number, value.location, errors);
      }
      break;
    case ValueType::String:
      if (value.kind == Kind::String) return checked_string(spec, display_key, value, errors);
      break;
    case ValueType::StringList:
      if (value.kind == Kind::Array && all_strings(value)) return checked_string_list(spec, display_key, value, errors);
      break;
    case ValueType::TableList: break;
  }
  errors.add(value.location, type_mismatch(display_key, to_string(spec.type), value));
  return std::nullopt;
}

}  // namespace finetrain::host
