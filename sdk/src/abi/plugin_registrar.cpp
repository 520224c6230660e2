// Plugin-side half of tier 0: turning exceptions into statuses and descriptors into host calls.
#include <c10/util/Exception.h>

#include <exception>
#include <string>

#include "finetrain/error.hpp"
#include "finetrain/plugin.hpp"

namespace finetrain {

ft_status* status_from_current_exception(const char* context) noexcept {
  std::string message;
  int32_t code = FT_STATUS_RUNTIME_ERROR;
  try {
    throw;
  } catch (const c10::Error& e) {
    // what() of a c10::Error carries a C++ backtrace; the short message is what users need.
    message = e.what_without_backtrace();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown exception";
    code = FT_STATUS_INTERNAL;
  }
  if (context && *context) message = std::string(context) + ": " + message;
  return ft_status_new(code, message.c_str());
}

PluginRegistrar::PluginRegistrar(const ft_host_api* host) : host_(host), register_(nullptr), log_(nullptr) {
  if (!host || host->struct_size < sizeof(ft_host_api) || !host->get_proc)
    throw Error("host table is missing or too small");
  register_ = reinterpret_cast<ft_host_register_component_v1_fn>(
      host->get_proc(host->context, FT_HOST_REGISTER_COMPONENT_V1));
  log_ = reinterpret_cast<ft_host_log_v1_fn>(host->get_proc(host->context, FT_HOST_LOG_V1));
  if (!register_) throw Error("host offers no " FT_HOST_REGISTER_COMPONENT_V1);
}

void PluginRegistrar::add_descriptor(const ft_component_descriptor& descriptor) {
  ft_status* status = register_(host_->context, &descriptor);
  if (status) {
    std::string message = status->message ? status->message : "refused";
    ft_status_release(status);
    throw Error(message);
  }
}

void PluginRegistrar::add_tokenizer(const char* name, const char* version, const char* description,
                                    const ft_tokenizer_vtable* vtable) {
  ft_component_descriptor d{};
  d.struct_size = sizeof(ft_component_descriptor);
  d.kind = FT_PLUGIN_KIND_TOKENIZER;
  d.name = name;
  d.version = version;
  d.description = description;
  d.c_vtable = vtable;
  add_descriptor(d);
}

void PluginRegistrar::log(ft_log_level level, const std::string& message) const {
  if (log_) log_(host_->context, level, message.c_str());
}

namespace detail {

ft_status* run_init(const ft_host_api* host, const std::function<void(PluginRegistrar&)>& body) noexcept {
  try {
    PluginRegistrar registrar(host);
    body(registrar);
    return nullptr;
  } catch (...) {
    return status_from_current_exception(nullptr);  // the host names the call
  }
}

}  // namespace detail
}  // namespace finetrain
