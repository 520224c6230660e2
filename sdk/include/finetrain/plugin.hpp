// Writing a plugin: the tier-0 entry points, generated from one macro, and a registrar that turns
// tier-1 classes into size-prefixed descriptors.
//
//   // plugin.cpp
//   #include <finetrain/plugin.hpp>
//   FT_DEFINE_MANIFEST(FT_PLUGIN_KIND_MODEL, "my-model", "0.1.0", "My model family");
//   static void register_components(finetrain::PluginRegistrar& registrar) {
//     registrar.add<MyModelSpec>("my-model", "0.1.0", "My model family");
//   }
//   FT_PLUGIN_ENTRY_POINTS(register_components)
//
// No exception crosses tier 0: the generated entry points and factories catch everything and
// return an ft_status.
#pragma once

#include <functional>
#include <string>

#include "finetrain/abi.h"
#include "finetrain/component.hpp"
#include "finetrain/export.hpp"
#include "finetrain/host_api.h"
#include "finetrain/manifest.h"

namespace finetrain {

// The in-flight exception as a status, message prefixed with `context` ("init: ...").
FT_SDK_API ft_status* status_from_current_exception(const char* context) noexcept;

class FT_SDK_API PluginRegistrar {
 public:
  explicit PluginRegistrar(const ft_host_api* host);

  // Registers a tier-1 component class T (default-constructible, derived from one interface I that
  // declares kInterface and kKind). Throws finetrain::Error when the host refuses it.
  template <class T>
  void add(const char* name, const char* version, const char* description) {
    ft_component_descriptor d{};
    d.struct_size = sizeof(ft_component_descriptor);
    d.kind = T::kKind;
    d.name = name;
    d.version = version;
    d.description = description;
    d.interface_name = T::kInterface.name;
    d.interface_version = T::kInterface.version;
    d.create = &create_component<T>;
    d.destroy = &destroy_component;
    add_descriptor(d);
  }
  // Registers a plain-C tokenizer.
  void add_tokenizer(const char* name, const char* version, const char* description,
                     const ft_tokenizer_vtable* vtable);
  // Registers a hand-built descriptor (what the templates above produce).
  void add_descriptor(const ft_component_descriptor& descriptor);

  void log(ft_log_level level, const std::string& message) const;
  const ft_host_api* host() const { return host_; }

 private:
  template <class T>
  static void* create_component(void*, ft_status** error) noexcept {
    try {
      return static_cast<Component*>(new T());
    } catch (...) {
      if (error) *error = status_from_current_exception(nullptr);  // the host names the call
      return nullptr;
    }
  }
  static void destroy_component(void*, void* object) noexcept { delete static_cast<Component*>(object); }

  const ft_host_api* host_;
  ft_host_register_component_v1_fn register_;
  ft_host_log_v1_fn log_;
};

namespace detail {

// The plugin states the ABI version it was built against and refuses a host of another major or
// an older minor. Inline so the version constants are those the plugin was compiled with.
inline ft_status* negotiate_version(uint16_t built_major, uint16_t built_minor, uint16_t host_major,
                                    uint16_t host_minor, uint16_t* plugin_major, uint16_t* plugin_minor) noexcept {
  if (plugin_major) *plugin_major = built_major;
  if (plugin_minor) *plugin_minor = built_minor;
  if (host_major != built_major || host_minor < built_minor) {
    std::string m = "plugin needs SDK ABI " + std::to_string(built_major) + "." + std::to_string(built_minor) +
                    ", host offers " + std::to_string(host_major) + "." + std::to_string(host_minor);
    return ft_status_new(FT_STATUS_VERSION_MISMATCH, m.c_str());
  }
  return nullptr;
}

FT_SDK_API ft_status* run_init(const ft_host_api* host, const std::function<void(PluginRegistrar&)>& body) noexcept;

}  // namespace detail
}  // namespace finetrain

// Defines ft_plugin_negotiate and ft_plugin_init for a plugin whose components are registered by
// `register_fn(finetrain::PluginRegistrar&)`.
#define FT_PLUGIN_ENTRY_POINTS(register_fn) \
  FT_PLUGIN_ENTRY_POINTS_FOR_ABI(FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, register_fn)

// The same, negotiating as ABI `major`.`minor` instead of the SDK's own version: for the ABI test
// fixtures, together with FT_DEFINE_MANIFEST_FIELDS.
#define FT_PLUGIN_ENTRY_POINTS_FOR_ABI(major, minor, register_fn)                                               \
  extern "C" FT_PLUGIN_LINKAGE ft_status* FT_PLUGIN_SYMBOL(ft_plugin_negotiate)(                            \
      uint16_t host_major, uint16_t host_minor, uint16_t* plugin_major, uint16_t* plugin_minor) {           \
    return ::finetrain::detail::negotiate_version(major, minor, host_major, host_minor, plugin_major,         \
                                                  plugin_minor);                                             \
  }                                                                                                          \
  extern "C" FT_PLUGIN_LINKAGE ft_status* FT_PLUGIN_SYMBOL(ft_plugin_init)(const ft_host_api* host) {       \
    return ::finetrain::detail::run_init(host, [](::finetrain::PluginRegistrar& r) { register_fn(r); });   \
  }
