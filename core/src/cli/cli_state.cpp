#include "cli/cli_state.hpp"

namespace finetrain::cli {

host::PluginHost& CliState::plugin_host() {
  if (!host_) {
    host_ = std::make_unique<host::PluginHost>();
    host_->load_static_plugins();
    host_->load_directories(host::plugin_search_path(plugin_paths));
  }
  return *host_;
}

}  // namespace finetrain::cli
