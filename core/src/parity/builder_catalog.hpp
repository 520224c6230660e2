// Every ComponentBuilder `finetrain check-parity` can use, keyed by diffusers `_class_name`: the
// SDK's own (sdk_component_builders()) and those of every loaded model plugin
// (ModelSpec::component_builders()).
#pragma once

#include <string>
#include <vector>

#include "finetrain/model_spec.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

// The builders libfinetrain_sdk provides (schedulers, text encoders): one line each in
// sdk_component_builders.cpp.
std::vector<ComponentBuilder> sdk_component_builders();

// Routes build(), module() and run() of a plugin's builder through the plugin choke point, so that
// whatever the plugin throws comes out prefixed with its name.
ComponentBuilder wrap_plugin_builder(ComponentBuilder builder, const std::string& plugin);

class BuilderCatalog {
 public:
  // The SDK's builders, then those of every model plugin `host` loaded (host may be null). A plugin
  // whose ModelSpec cannot be created is skipped with a warning.
  static BuilderCatalog collect(const PluginHost* host);

  // The first builder of a class wins; a later one is ignored with a warning naming both origins.
  void add(ComponentBuilder builder, const std::string& origin);
  const ComponentBuilder* find(const std::string& class_name) const;
  std::string origin(const std::string& class_name) const;  // "sdk" or "plugin '<name>'"
  std::vector<std::string> class_names() const;             // sorted

 private:
  struct Entry {
    ComponentBuilder builder;
    std::string origin;
  };
  std::vector<Entry> entries_;
  // The plugins' builders may point into their ModelSpec objects: keep those alive.
  std::vector<PluginObject<ModelSpec>> model_specs_;
};

}  // namespace finetrain::host
