// Resolved configuration values as plugins see them: dotted keys ("optimizer.learning_rate") to
// typed values. The host parses and validates TOML against every declared schema; a plugin only
// reads an Options object that is already complete (defaults filled) and type-checked.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

class Options;
// An array of tables ([[validation.prompts]]): each entry is a flat Options of its own keys.
using TableList = std::vector<std::shared_ptr<const Options>>;
using StringList = std::vector<std::string>;

// std::monostate = "no value" (a key without default that was not set).
using Value = std::variant<std::monostate, bool, int64_t, double, std::string, StringList, TableList>;

enum class ValueType { Bool, Int, Float, String, StringList, TableList };

FT_SDK_API const char* to_string(ValueType type);
// Renders a value as TOML would write it (strings quoted, lists bracketed).
FT_SDK_API std::string to_toml_literal(const Value& value);

class FT_SDK_API Options {
 public:
  Options();
  ~Options();
  Options(const Options&);
  Options& operator=(const Options&);

  bool has(const std::string& key) const;
  const Value& get(const std::string& key) const;  // throws finetrain::Error naming the key when absent
  bool get_bool(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // accepts integer values too
  const std::string& get_string(const std::string& key) const;
  const StringList& get_string_list(const std::string& key) const;
  const TableList& get_table_list(const std::string& key) const;

  void set(const std::string& key, Value value);
  // The keys under `prefix.`, with the prefix removed.
  Options section(const std::string& prefix) const;
  const std::map<std::string, Value>& values() const { return values_; }

 private:
  std::map<std::string, Value> values_;
};

}  // namespace finetrain
