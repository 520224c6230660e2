#include "config/validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>

#include "config/config_errors.hpp"
#include "config/did_you_mean.hpp"
#include "config/schema_text.hpp"
#include "config/value_check.hpp"

namespace finetrain::host {
namespace {

using Kind = ConfigValue::Kind;

// Validates the keys of one table: the whole configuration, or one entry of an array of tables
// (whose keys are relative, and shown as "validation.prompts[0].prompt").
class TableValidator {
 public:
  TableValidator(const std::vector<OptionSpec>& specs, std::string display_prefix, ConfigErrors& errors)
      : specs_(specs), display_prefix_(std::move(display_prefix)), sections_(section_names(specs)), errors_(errors) {
    for (const OptionSpec& s : specs_) names_.push_back(s.key);
    names_.insert(names_.end(), sections_.begin(), sections_.end());
  }

  void apply(const std::vector<ConfigEntry>& entries) {
    std::string reported_table;  // its keys follow it (depth first) and are not reported again
    for (const ConfigEntry& entry : entries) {
      if (!reported_table.empty() && entry.key.compare(0, reported_table.size() + 1, reported_table + ".") == 0)
        continue;
      reported_table.clear();
      const bool is_table = entry.value.kind == Kind::Table;
      if (const OptionSpec* spec = find(entry.key)) {
        if (is_table) reported_table = entry.key;
        given_.insert(entry.key);
        if (auto v = convert(*spec, entry.value)) values_.set(entry.key, std::move(*v));
      } else if (std::find(sections_.begin(), sections_.end(), entry.key) != sections_.end()) {
        if (!is_table) errors_.add(entry.value.location, type_mismatch(display(entry.key), "a table", entry.value));
      } else {
        if (is_table) reported_table = entry.key;
        report_unknown(entry);
      }
    }
  }

  // Fills defaults and reports required keys that were not given (at `where`).
  Options finish(const SourceLocation& where) {
    for (const OptionSpec& spec : specs_) {
      if (given_.count(spec.key)) continue;
      if (spec.required) {
        errors_.add(where, fmt::format("missing required key '{}'", display(spec.key)));
      } else if (!std::holds_alternative<std::monostate>(spec.default_value)) {
        values_.set(spec.key, spec.default_value);
      }
    }
    return values_;
  }

 private:
  const OptionSpec* find(const std::string& key) const {
    for (const OptionSpec& s : specs_)
      if (s.key == key) return &s;
    return nullptr;
  }

  std::string display(const std::string& key) const { return display_prefix_ + key; }

  void report_unknown(const ConfigEntry& entry) {
    auto match = closest_match(entry.key, names_);
    std::string hint = match ? fmt::format(" (did you mean '{}'?)", display(*match)) : "";
    errors_.add(entry.key_location, fmt::format("unknown key '{}'{}", display(entry.key), hint));
  }

  std::optional<Value> convert(const OptionSpec& spec, const ConfigValue& value) {
    if (spec.type != ValueType::TableList) return check_value(spec, display(spec.key), value, errors_);
    if (value.kind == Kind::Array && value.items.empty()) return Value(TableList{});
    if (value.kind != Kind::TableArray) {
      errors_.add(value.location, type_mismatch(display(spec.key), to_string(spec.type), value));
      return std::nullopt;
    }
    TableList list;
    for (size_t i = 0; i < value.tables.size(); ++i) {
      TableValidator item(spec.item_keys, fmt::format("{}[{}].", display(spec.key), i), errors_);
      item.apply(value.tables[i].entries);
      list.push_back(std::make_shared<const Options>(item.finish(value.tables[i].location)));
    }
    return Value(std::move(list));
  }

  const std::vector<OptionSpec>& specs_;
  std::string display_prefix_;
  std::vector<std::string> sections_;
  std::vector<std::string> names_;  // keys and sections: the candidates for "did you mean"
  ConfigErrors& errors_;
  std::set<std::string> given_;  // set by the user, valid or not (no "missing" on top of "wrong")
  Options values_;
};

}  // namespace

Options validate_config(const ConfigSchema& schema, const std::vector<ConfigEntry>& entries,
                        const std::string& origin) {
  ConfigErrors errors;
  TableValidator validator(schema.keys(), "", errors);
  validator.apply(entries);
  Options options = validator.finish(SourceLocation{origin, 0, 0});
  errors.throw_if_any();
  return options;
}

}  // namespace finetrain::host
