#include "config/schema_explain.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <variant>

#include "config/schema_text.hpp"

namespace finetrain::host {
namespace {

std::string section_of(const OptionSpec& spec) {
  size_t dot = spec.key.find('.');
  return dot == std::string::npos ? "" : spec.key.substr(0, dot);
}

// Sections in schema order, the top level ("") first.
std::vector<std::string> sections_in_order(const ConfigSchema& schema) {
  std::vector<std::string> sections{""};
  for (const OptionSpec& spec : schema.keys())
    if (std::find(sections.begin(), sections.end(), section_of(spec)) == sections.end())
      sections.push_back(section_of(spec));
  return sections;
}

std::string attributes(const OptionSpec& spec) {
  std::string out = to_string(spec.type);
  if (spec.required) {
    out += ", required";
  } else {
    std::string def = default_text(spec);
    out += def.empty() ? ", no default" : ", default " + def;
  }
  if (std::string range = range_text(spec); !range.empty()) out += ", range " + range;
  if (!spec.allowed.empty()) out += ", one of " + allowed_text(spec);
  return out;
}

void explain_key(std::string& out, const OptionSpec& spec, const std::string& indent) {
  out += fmt::format("{}{}  ({})\n{}    {}\n", indent, spec.key, attributes(spec), indent, spec.doc);
  if (spec.item_keys.empty()) return;
  out += fmt::format("{}    each entry:\n", indent);
  for (const OptionSpec& item : spec.item_keys) explain_key(out, item, indent + "      ");
}

std::string available(const std::vector<std::string>& names) {
  return names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "));
}

nlohmann::json value_json(const Value& value) {
  struct Visitor {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(int64_t i) const { return i; }
    nlohmann::json operator()(double d) const { return d; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const StringList& l) const { return l; }
    nlohmann::json operator()(const TableList& tables) const {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& table : tables) {
        nlohmann::json entry = nlohmann::json::object();
        for (const auto& [key, v] : table->values()) entry[key] = value_json(v);
        out.push_back(entry);
      }
      return out;
    }
  };
  return std::visit(Visitor{}, value);
}

nlohmann::json key_json(const OptionSpec& spec) {
  nlohmann::json j;
  j["key"] = spec.key;
  j["section"] = section_of(spec);
  j["type"] = to_string(spec.type);
  j["default"] = value_json(spec.default_value);
  j["required"] = spec.required;
  j["allowed"] = spec.allowed;
  j["min"] = spec.min ? nlohmann::json(*spec.min) : nlohmann::json(nullptr);
  j["max"] = spec.max ? nlohmann::json(*spec.max) : nlohmann::json(nullptr);
  j["doc"] = spec.doc;
  j["item_keys"] = nlohmann::json::array();
  for (const OptionSpec& item : spec.item_keys) j["item_keys"].push_back(key_json(item));
  return j;
}

nlohmann::json name_or_null(const std::string& name) {
  return name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name);
}

}  // namespace

std::string explain_text(const ConfigSchema& schema, const ExplainPlugins& plugins) {
  std::string out = "Configuration keys of the core";
  if (!plugins.model.empty()) out += fmt::format(", model plugin '{}'", plugins.model);
  if (!plugins.trainer.empty()) out += fmt::format(", trainer plugin '{}'", plugins.trainer);
  out += ".\n";
  if (plugins.model.empty())
    out +=
        fmt::format("Model plugins available: {} (--model NAME adds its keys)\n", available(plugins.available_models));
  if (plugins.trainer.empty())
    out += fmt::format("Trainer plugins available: {} (--trainer NAME adds its keys)\n",
                       available(plugins.available_trainers));

  for (const std::string& section : sections_in_order(schema)) {
    std::string keys;
    for (const OptionSpec& spec : schema.keys())
      if (section_of(spec) == section) explain_key(keys, spec, "  ");
    if (keys.empty()) continue;
    out += section.empty() ? "\ntop level\n" : fmt::format("\n[{}]\n", section);
    out += keys;
  }
  return out;
}

nlohmann::json explain_json(const ConfigSchema& schema, const ExplainPlugins& plugins) {
  nlohmann::json j;
  j["plugins"] = {{"model", name_or_null(plugins.model)}, {"trainer", name_or_null(plugins.trainer)}};
  j["available"] = {{"model", plugins.available_models}, {"trainer", plugins.available_trainers}};
  j["keys"] = nlohmann::json::array();
  for (const std::string& section : sections_in_order(schema))
    for (const OptionSpec& spec : schema.keys())
      if (section_of(spec) == section) j["keys"].push_back(key_json(spec));
  return j;
}

}  // namespace finetrain::host
