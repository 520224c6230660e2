// A tokenizer plugin's plain-C table seen as a finetrain::Tokenizer. Every call goes through the
// call_plugin choke point; a status the plugin returns becomes a finetrain::Error whose message
// starts with the plugin's name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "finetrain/host_api.h"
#include "finetrain/tokenizer.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

class PluginTokenizer final : public Tokenizer {
 public:
  // Opens `model_path` with the TOKENIZER component `info`.
  static std::unique_ptr<PluginTokenizer> open(const ComponentInfo& info, const std::string& model_path);
  ~PluginTokenizer() override;
  PluginTokenizer(const PluginTokenizer&) = delete;
  PluginTokenizer& operator=(const PluginTokenizer&) = delete;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t piece_to_id(const std::string& piece) const override;
  int64_t vocab_size() const override;

 private:
  PluginTokenizer(const ft_tokenizer_vtable* vtable, std::string plugin, void* handle);

  const ft_tokenizer_vtable* vtable_;
  std::string plugin_;
  void* handle_;
};

}  // namespace finetrain::host
