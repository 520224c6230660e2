#include "runtime/run_plugins.hpp"

#include <fmt/format.h>

#include "config/config_errors.hpp"
#include "config/core_schema.hpp"
#include "config/did_you_mean.hpp"
#include "config/plugin_schema.hpp"
#include "config/value_check.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

std::optional<PluginName> choose(const std::string& flag, const std::string& cli_value, const std::string& key,
                                 const std::vector<ConfigEntry>& entries) {
  if (!cli_value.empty()) return PluginName{cli_value, SourceLocation{flag + " " + cli_value, 0, 0}};
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key != key) continue;
    ConfigErrors errors;
    auto value = check_value(*core_config_schema().find(key), key, it->value, errors);
    errors.throw_if_any();
    return PluginName{std::get<std::string>(*value), it->value.location};
  }
  return std::nullopt;
}

// Creates the plugin `name` of interface I and adds its keys to `schema`.
template <class I>
PluginObject<I> load(const PluginHost& host, const PluginName& chosen, const std::string& section,
                     ConfigSchema& schema) {
  const std::string kind = kind_name(I::kKind);
  if (!host.find(I::kKind, chosen.name)) {
    std::vector<std::string> names;
    for (const ComponentInfo* c : host.components(I::kKind)) names.push_back(c->name);
    auto match = closest_match(chosen.name, names);
    throw Error(fmt::format("{}: unknown {} plugin '{}'{}; available: {}", chosen.source.to_string(), kind, chosen.name,
                            match ? fmt::format(" (did you mean '{}'?)", *match) : "", host.available_names(I::kKind)));
  }
  PluginObject<I> object = host.create<I>(chosen.name);
  ConfigSchema declared = object.call("options_schema", [](I& plugin) { return plugin.options_schema(); });
  add_plugin_schema(schema, declared, fmt::format("{} plugin '{}'", kind, chosen.name), section);
  return object;
}

}  // namespace

PluginNames choose_plugin_names(const std::string& cli_model, const std::string& cli_trainer,
                                const std::vector<ConfigEntry>& entries) {
  return PluginNames{choose("--model", cli_model, "model.name", entries),
                     choose("--trainer", cli_trainer, "trainer.name", entries)};
}

RunPlugins load_run_plugins(const PluginHost& host, const PluginNames& names) {
  RunPlugins plugins;
  plugins.schema = core_config_schema();
  if (names.model) plugins.model = load<ModelSpec>(host, *names.model, "model", plugins.schema);
  if (names.trainer) plugins.trainer = load<Trainer>(host, *names.trainer, "", plugins.schema);
  return plugins;
}

}  // namespace finetrain::host
