// Declared configuration keys. Every plugin and every core section declares its keys here: name,
// type, default, a one-line doc, and the allowed values or range. The host validates the TOML
// against the union of schemas (unknown keys, wrong types, out-of-range values are errors with
// file:line:col) and `finetrain config explain` prints them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/options.hpp"

namespace finetrain {

struct FT_SDK_API OptionSpec {
  std::string key;  // full dotted key, e.g. "optimizer.learning_rate"
  ValueType type = ValueType::String;
  Value default_value;  // std::monostate: no default (optional key, or required when `required`)
  std::string doc;      // one line
  std::vector<std::string> allowed;  // String / StringList: the permitted values (empty = any)
  std::optional<double> min;         // Int / Float: inclusive bounds
  std::optional<double> max;
  bool required = false;
  std::vector<OptionSpec> item_keys;  // TableList: the keys of one entry (relative names)

  // Fluent refinements: schema.add_float(...).range(0, 1)
  OptionSpec& range(std::optional<double> lo, std::optional<double> hi);
  OptionSpec& one_of(std::vector<std::string> values);
  OptionSpec& require();
};

class FT_SDK_API ConfigSchema {
 public:
  OptionSpec& add_bool(const std::string& key, bool def, const std::string& doc);
  OptionSpec& add_int(const std::string& key, int64_t def, const std::string& doc);
  OptionSpec& add_float(const std::string& key, double def, const std::string& doc);
  OptionSpec& add_string(const std::string& key, const std::string& def, const std::string& doc);
  OptionSpec& add_string_list(const std::string& key, StringList def, const std::string& doc);
  OptionSpec& add_table_list(const std::string& key, std::vector<OptionSpec> item_keys, const std::string& doc);
  // A key with no default (optional unless .require()).
  OptionSpec& add_optional(const std::string& key, ValueType type, const std::string& doc);
  OptionSpec& add(OptionSpec spec);  // throws finetrain::Error on a duplicate key

  // Appends another schema's keys (duplicates are an error naming the key).
  void merge(const ConfigSchema& other);
  const OptionSpec* find(const std::string& key) const;
  const std::vector<OptionSpec>& keys() const { return keys_; }

 private:
  std::vector<OptionSpec> keys_;
};

// Builds a standalone item spec for add_table_list().
FT_SDK_API OptionSpec item_key(const std::string& key, ValueType type, Value def, const std::string& doc);

}  // namespace finetrain
