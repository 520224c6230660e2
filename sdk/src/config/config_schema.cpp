#include "finetrain/config_schema.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain {

OptionSpec& OptionSpec::range(std::optional<double> lo, std::optional<double> hi) {
  min = lo;
  max = hi;
  return *this;
}

OptionSpec& OptionSpec::one_of(std::vector<std::string> values) {
  allowed = std::move(values);
  return *this;
}

OptionSpec& OptionSpec::require() {
  required = true;
  return *this;
}

OptionSpec item_key(const std::string& key, ValueType type, Value def, const std::string& doc) {
  OptionSpec s;
  s.key = key;
  s.type = type;
  s.default_value = std::move(def);
  s.doc = doc;
  return s;
}

OptionSpec& ConfigSchema::add(OptionSpec spec) {
  if (find(spec.key)) throw Error(fmt::format("configuration key '{}' is declared twice", spec.key));
  keys_.push_back(std::move(spec));
  return keys_.back();
}

OptionSpec& ConfigSchema::add_bool(const std::string& key, bool def, const std::string& doc) {
  return add(item_key(key, ValueType::Bool, def, doc));
}
OptionSpec& ConfigSchema::add_int(const std::string& key, int64_t def, const std::string& doc) {
  return add(item_key(key, ValueType::Int, def, doc));
}
OptionSpec& ConfigSchema::add_float(const std::string& key, double def, const std::string& doc) {
  return add(item_key(key, ValueType::Float, def, doc));
}
OptionSpec& ConfigSchema::add_string(const std::string& key, const std::string& def, const std::string& doc) {
  return add(item_key(key, ValueType::String, def, doc));
}
OptionSpec& ConfigSchema::add_string_list(const std::string& key, StringList def, const std::string& doc) {
  return add(item_key(key, ValueType::StringList, std::move(def), doc));
}
OptionSpec& ConfigSchema::add_table_list(const std::string& key, std::vector<OptionSpec> item_keys,
                                         const std::string& doc) {
  OptionSpec s = item_key(key, ValueType::TableList, TableList{}, doc);
  s.item_keys = std::move(item_keys);
  return add(std::move(s));
}
OptionSpec& ConfigSchema::add_optional(const std::string& key, ValueType type, const std::string& doc) {
  return add(item_key(key, type, std::monostate{}, doc));
}

void ConfigSchema::merge(const ConfigSchema& other) {
  for (const OptionSpec& s : other.keys_) add(s);
}

const OptionSpec* ConfigSchema::find(const std::string& key) const {
  for (const OptionSpec& s : keys_)
    if (s.key == key) return &s;
  return nullptr;
}

}  // namespace finetrain
