// The one choke point for calls from the host into plugin code: whatever a plugin throws comes
// out as a finetrain::Error whose message starts with the plugin's name (FT-ABI-010).
#pragma once

#include <string>
#include <utility>

namespace finetrain::host {

// Rethrows the in-flight exception as finetrain::Error("plugin '<plugin>': <what>: <message>").
[[noreturn]] void rethrow_from_plugin(const std::string& plugin, const char* what);

template <class F>
decltype(auto) call_plugin(const std::string& plugin, const char* what, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    rethrow_from_plugin(plugin, what);
  }
}

}  // namespace finetrain::host
