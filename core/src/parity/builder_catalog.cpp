#include "parity/builder_catalog.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "finetrain/error.hpp"
#include "plugin_host/plugin_call.hpp"

namespace finetrain::host {
namespace {

// A plugin's ParityComponent whose calls go through the plugin choke point.
class PluginParityComponent : public ParityComponent {
 public:
  PluginParityComponent(std::unique_ptr<ParityComponent> inner, std::string plugin)
      : inner_(std::move(inner)), plugin_(std::move(plugin)) {}

  torch::nn::Module* module() override {
    return call_plugin(plugin_, "ParityComponent::module", [&] { return inner_->module(); });
  }
  TensorMap run(const TensorMap& inputs, const std::string& call) override {
    return call_plugin(plugin_, "ParityComponent::run", [&] { return inner_->run(inputs, call); });
  }

 private:
  std::unique_ptr<ParityComponent> inner_;
  std::string plugin_;
};

}  // namespace

ComponentBuilder wrap_plugin_builder(ComponentBuilder builder, const std::string& plugin) {
  auto build = std::move(builder.build);
  builder.build = [build, plugin](const std::string& config_json,
                                  c10::Device device) -> std::unique_ptr<ParityComponent> {
    auto inner = call_plugin(plugin, "ComponentBuilder::build", [&] { return build(config_json, device); });
    if (!inner) throw Error(fmt::format("plugin '{}': ComponentBuilder::build returned nothing", plugin));
    return std::make_unique<PluginParityComponent>(std::move(inner), plugin);
  };
  return builder;
}

BuilderCatalog BuilderCatalog::collect(const PluginHost* host) {
  BuilderCatalog catalog;
  for (auto& builder : sdk_component_builders()) catalog.add(std::move(builder), "sdk");
  if (!host) return catalog;
  for (const ComponentInfo* info : host->components(FT_PLUGIN_KIND_MODEL)) {
    try {
      auto spec = host->create<ModelSpec>(info->name);
      auto builders = spec.call("ModelSpec::component_builders", [](ModelSpec& s) { return s.component_builders(); });
      catalog.model_specs_.push_back(std::move(spec));
      for (auto& builder : builders)
        catalog.add(wrap_plugin_builder(std::move(builder), info->plugin), fmt::format("plugin '{}'", info->plugin));
    } catch (const std::exception& e) {
      spdlog::warn("check-parity: skipping the builders of model '{}': {}", info->name, e.what());
    }
  }
  return catalog;
}

void BuilderCatalog::add(ComponentBuilder builder, const std::string& origin) {
  if (const ComponentBuilder* existing = find(builder.class_name)) {
    spdlog::warn("check-parity: {} from {} ignored: {} already provides it", builder.class_name, origin,
                 this->origin(existing->class_name));
    return;
  }
  entries_.push_back({std::move(builder), origin});
}

const ComponentBuilder* BuilderCatalog::find(const std::string& class_name) const {
  for (const auto& e : entries_)
    if (e.builder.class_name == class_name) return &e.builder;
  return nullptr;
}

std::string BuilderCatalog::origin(const std::string& class_name) const {
  for (const auto& e : entries_)
    if (e.builder.class_name == class_name) return e.origin;
  return "";
}

std::vector<std::string> BuilderCatalog::class_names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.builder.class_name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace finetrain::host
