#include "plugin_host/plugin_call.hpp"

#include <ATen/Parallel.h>
#include <c10/core/DefaultDtype.h>
#include <c10/core/GradMode.h>
#include <c10/core/ScalarTypeToTypeMeta.h>
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

TorchStateWatch::TorchStateWatch()
    : grad_mode_(c10::GradMode::is_enabled()),
      default_dtype_(static_cast<int>(c10::get_default_dtype_as_scalartype())),
      num_threads_(at::get_num_threads()) {}

TorchStateWatch::~TorchStateWatch() { restore(); }

std::string TorchStateWatch::restore() {
  std::string changed;
  auto note = [&changed](const std::string& item) { changed += (changed.empty() ? "" : ", ") + item; };
  if (c10::GradMode::is_enabled() != grad_mode_) {
    note(fmt::format("grad mode {} -> {}", grad_mode_ ? "on" : "off", grad_mode_ ? "off" : "on"));
    c10::GradMode::set_enabled(grad_mode_);
  }
  const auto before_dtype = static_cast<c10::ScalarType>(default_dtype_);
  const auto dtype = c10::get_default_dtype_as_scalartype();
  if (dtype != before_dtype) {
    note(fmt::format("default dtype {} -> {}", c10::toString(before_dtype), c10::toString(dtype)));
    c10::set_default_dtype(c10::scalarTypeToTypeMeta(before_dtype));
  }
  if (const int threads = at::get_num_threads(); threads != num_threads_) {
    note(fmt::format("intra-op threads {} -> {}", num_threads_, threads));
    at::set_num_threads(num_threads_);
  }
  return changed;
}

void TorchStateWatch::check(const std::string& plugin, const char* what) {
  if (std::string changed = restore(); !changed.empty())
    throw Error(fmt::format("plugin '{}': {}: changed global torch state without an RAII guard ({}); restored",
                            plugin, what, changed));
}

}  // namespace finetrain::host
