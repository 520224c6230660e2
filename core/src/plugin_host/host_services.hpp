// The host's implementation of finetrain::HostServices, served from the plugins a PluginHost loaded.
#pragma once

#include <memory>
#include <string>

#include "finetrain/host_services.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

class PluginHostServices final : public HostServices {
 public:
  explicit PluginHostServices(const PluginHost& plugins);  // must outlive this object
  // The TOKENIZER component `kind` opened on `model_path`; throws finetrain::Error listing the
  // available tokenizers when there is none of that name.
  std::unique_ptr<Tokenizer> open_tokenizer(const std::string& kind, const std::string& model_path) override;

 private:
  const PluginHost& plugins_;
};

}  // namespace finetrain::host
