#include "plugin_host/host_services.hpp"

#include "plugin_host/plugin_tokenizer.hpp"

namespace finetrain::host {

PluginHostServices::PluginHostServices(const PluginHost& plugins) : plugins_(plugins) {}

std::unique_ptr<Tokenizer> PluginHostServices::open_tokenizer(const std::string& kind, const std::string& model_path) {
  return PluginTokenizer::open(plugins_.require(FT_PLUGIN_KIND_TOKENIZER, kind), model_path);
}

}  // namespace finetrain::host
