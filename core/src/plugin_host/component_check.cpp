#include "plugin_host/component_check.hpp"

#include <fmt/format.h>

#include "finetrain/attention_backend.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/parallel_backend.hpp"
#include "finetrain/trainer.hpp"

namespace finetrain::host {

namespace {

template <class I>
ComponentCheck instantiate(const PluginHost& host, const ComponentInfo& info) {
  PluginObject<I> object = host.create<I>(info.name);  // destroyed through the plugin when it goes out of scope
  return {true, "", fmt::format("instantiated {} v{}", I::kInterface.name, I::kInterface.version)};
}

}  // namespace

ComponentCheck check_component(const PluginHost& host, const ComponentInfo& info) {
  try {
    switch (info.kind) {
      case FT_PLUGIN_KIND_MODEL: return instantiate<ModelSpec>(host, info);
      case FT_PLUGIN_KIND_TRAINER: return instantiate<Trainer>(host, info);
      case FT_PLUGIN_KIND_PARALLEL_BACKEND: return instantiate<ParallelBackend>(host, info);
      case FT_PLUGIN_KIND_ATTENTION_BACKEND: return instantiate<AttentionBackend>(host, info);
      case FT_PLUGIN_KIND_TOKENIZER:
        // A plain-C table: its functions were checked at registration; opening needs a model file.
        return {true, "", "plain-C tokenizer table, nothing to instantiate without a model file"};
      default: return {false, fmt::format("unknown component kind {}", info.kind), ""};
    }
  } catch (const std::exception& e) {
    return {false, e.what(), ""};
  }
}

}  // namespace finetrain::host
