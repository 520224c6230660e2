// The plugin host: finds plugin files, checks their manifests without loading them, loads the
// compatible ones, keeps the registry of the components they register and creates instances.
//
// A faulty plugin never takes the host down: every refusal is one logged line naming the file,
// the field and both values, recorded in the plugin's PluginStatus, and the host carries on.
// Plugins are never unloaded (vtables, autograd nodes and deleters point into their code).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "finetrain/component.hpp"
#include "finetrain/error.hpp"
#include "finetrain/host_api.h"
#include "plugin_host/plugin_call.hpp"
#include "plugin_host/plugin_manifest.hpp"
#include "plugin_host/static_plugins.hpp"

namespace finetrain::host {

struct SearchDir {
  std::string path;
  std::string origin;  // "--plugin-path", "FINETRAIN_PLUGIN_PATH", "install dir"
};

// The plugin search path, in order: --plugin-path, $FINETRAIN_PLUGIN_PATH, the install dir
// (<executable dir>/../lib/finetrain/plugins). Each entry is logged.
std::vector<SearchDir> plugin_search_path(const std::vector<std::string>& cli_dirs);

// The `*.so` files directly in `dir`, sorted by name (the load order).
std::vector<std::string> plugin_files(const std::string& dir);

// A function the host table serves by versioned name (ft_host_api::get_proc), with the ABI minor
// that introduced it. The list only grows: a name, once served, is served by every later host.
struct HostFunction {
  const char* name;
  uint16_t since_minor;
  ft_proc function;
};
const std::vector<HostFunction>& host_functions();
// The function named `name`, or NULL when this host has none.
ft_proc host_function(const char* name);

// A registered component. Strings are owned here; `descriptor`'s string fields point at them.
struct ComponentInfo {
  uint32_t kind = 0;
  std::string name;
  std::string version;
  std::string description;
  std::string interface_name;
  uint32_t interface_version = 0;
  std::string plugin;  // manifest name of the plugin that registered it
  std::string file;    // its file, or "(static)" / "(core)"
  ft_component_descriptor descriptor{};
};

struct PluginStatus {
  std::string path;
  std::optional<ManifestInfo> manifest;
  Compatibility compatibility;
  bool loaded = false;
  std::string error;                    // one line when not loaded
  std::vector<std::string> components;  // "<kind> <name>"
};

// An instance created by a plugin, destroyed through the plugin's own destroy function.
// All calls into it should go through call(), the choke point.
template <class I>
class PluginObject {
 public:
  PluginObject() = default;
  PluginObject(std::shared_ptr<I> object, std::string plugin) : object_(std::move(object)), plugin_(std::move(plugin)) {}

  I& get() const { return *object_; }
  I* operator->() const { return object_.get(); }
  explicit operator bool() const { return static_cast<bool>(object_); }
  const std::string& plugin() const { return plugin_; }

  template <class F>
  decltype(auto) call(const char* what, F&& f) const {
    return call_plugin(plugin_, what, [&]() -> decltype(auto) { return f(*object_); });
  }

 private:
  std::shared_ptr<I> object_;
  std::string plugin_;
};

struct PluginRegistration;  // what one plugin registers during its init (plugin_host.cpp)

class PluginHost {
 public:
  PluginHost();
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads every `*.so` in the directories, in order; first one of a name wins, later ones are refused.
  void load_directories(const std::vector<SearchDir>& dirs);
  // Checks the manifest, loads, negotiates and initialises one file. Never throws for plugin faults.
  const PluginStatus& load_file(const std::string& path);
  // Plugins linked into the executable (FT_PLUGINS_DL=OFF): every entry of static_plugins().
  void load_static_plugins();
  // One plugin linked into the executable, through the same checks as a file but the dlopen.
  const PluginStatus& load_static_plugin(const StaticPlugin& plugin);
  // Registers a component implemented by the host itself, through the same checks as plugins.
  void register_builtin(const ft_component_descriptor& descriptor);

  const std::deque<PluginStatus>& statuses() const { return statuses_; }
  std::vector<const ComponentInfo*> components(uint32_t kind) const;
  const ComponentInfo* find(uint32_t kind, const std::string& name) const;
  // "a, b, c" of the registered names of a kind, for error messages.
  std::string available_names(uint32_t kind) const;

  // Creates an instance of component `name` of interface I (I::kKind). Throws finetrain::Error
  // listing the available names when there is none, or prefixed by the plugin name when it fails.
  template <class I>
  PluginObject<I> create(const std::string& name) const {
    const ComponentInfo& info = require(I::kKind, name);
    check_interface(info, I::kInterface.name, I::kInterface.version);
    Component* raw = create_raw(info);
    auto destroy = info.descriptor.destroy;
    void* user_data = info.descriptor.user_data;
    std::shared_ptr<I> object(static_cast<I*>(raw), [destroy, user_data, plugin = info.plugin](I* p) {
      // Destroy through the plugin, with the same static type the factory returned.
      try {
        destroy(user_data, static_cast<Component*>(p));
      } catch (...) {
        // A destructor that throws across tier 0 is a plugin bug; nothing sane to do but drop it.
      }
    });
    return PluginObject<I>(std::move(object), info.plugin);
  }

  const ComponentInfo& require(uint32_t kind, const std::string& name) const;

 private:
  friend struct HostApiFunctions;

  ft_status* stage_component(PluginRegistration& registration, const ft_component_descriptor* descriptor);
  static const PluginStatus& refuse(PluginStatus& status, std::string reason);
  // Manifest-level admission shared by files and static plugins: compatibility, then the name.
  std::string admit(PluginStatus& status) const;
  const ComponentInfo& commit(ComponentInfo&& staged);
  std::string initialise(PluginStatus& status, ft_plugin_negotiate_fn negotiate, ft_plugin_init_fn init,
                         const std::string& file);
  void check_interface(const ComponentInfo& info, const char* interface_name, uint32_t version) const;
  Component* create_raw(const ComponentInfo& info) const;
  const PluginStatus* loaded_plugin(const std::string& name) const;

  std::deque<PluginStatus> statuses_;         // stable addresses: load_file returns references
  std::deque<ComponentInfo> components_;      // stable addresses: descriptors point into them
};

}  // namespace finetrain::host
