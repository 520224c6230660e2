#include "runtime/run_config.hpp"

#include <fmt/format.h>

#include "config/core_schema.hpp"
#include "config/overrides.hpp"
#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// The run file's entries, then each override read against `schema`.
std::vector<ConfigEntry> all_entries(const std::vector<ConfigEntry>& file_entries,
                                     const std::vector<Override>& overrides, const ConfigSchema& schema) {
  std::vector<ConfigEntry> entries = file_entries;
  for (const Override& o : overrides) {
    auto more = override_entries(o, schema);
    entries.insert(entries.end(), more.begin(), more.end());
  }
  return entries;
}

// --model / --trainer as the last word on model.name / trainer.name.
ConfigEntry chosen_entry(const std::string& key, const PluginName& name) {
  ConfigValue value;
  value.kind = ConfigValue::Kind::String;
  value.text = name.name;
  value.location = name.source;
  return ConfigEntry{key, name.source, std::move(value)};
}

void require_named(const std::optional<PluginName>& name, const char* kind, const char* flag, const char* key,
                   uint32_t plugin_kind, const PluginHost& host) {
  if (name) return;
  throw Error(fmt::format("no {} plugin chosen: pass {} NAME or set {}; available: {}", kind, flag, key,
                          host.available_names(plugin_kind)));
}

}  // namespace

ResolvedRun resolve_run(const RunRequest& request, const PluginHost& host, PluginRequirement requirement) {
  const std::vector<ConfigEntry> file_entries = read_toml_file(request.run_file);
  std::vector<Override> overrides;
  for (const std::string& text : request.overrides) overrides.push_back(parse_override(text));

  PluginNames names =
      choose_plugin_names(request.model, request.trainer, all_entries(file_entries, overrides, core_config_schema()));
  if (requirement == PluginRequirement::Required) {
    require_named(names.model, "model", "--model", "model.name", FT_PLUGIN_KIND_MODEL, host);
    require_named(names.trainer, "trainer", "--trainer", "trainer.name", FT_PLUGIN_KIND_TRAINER, host);
  }

  ResolvedRun run;
  run.plugins = load_run_plugins(host, names);
  std::vector<ConfigEntry> entries = all_entries(file_entries, overrides, run.plugins.schema);
  if (!request.model.empty()) entries.push_back(chosen_entry("model.name", *names.model));
  if (!request.trainer.empty()) entries.push_back(chosen_entry("trainer.name", *names.trainer));
  run.options = validate_config(run.plugins.schema, entries, request.run_file);
  return run;
}

}  // namespace finetrain::host
