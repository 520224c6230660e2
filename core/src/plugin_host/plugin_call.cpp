#include "plugin_host/plugin_call.hpp"

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <exception>

#include "finetrain/error.hpp"

namespace finetrain::host {

void rethrow_from_plugin(const std::string& plugin, const char* what) {
  const std::string prefix = fmt::format("plugin '{}': {}: ", plugin, what);
  try {
    throw;
  } catch (const c10::Error& e) {
    throw Error(prefix + e.what_without_backtrace());
  } catch (const std::exception& e) {
    // Already prefixed by an inner choke point (plugin calling back through the host): keep as is.
    if (std::string(e.what()).rfind("plugin '" + plugin + "'", 0) == 0) throw Error(e.what());
    throw Error(prefix + e.what());
  } catch (...) {
    throw Error(prefix + "unknown exception");
  }
}

}  // namespace finetrain::host
