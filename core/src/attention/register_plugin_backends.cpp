#include "attention/register_plugin_backends.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "finetrain/attention_checks.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

class PluginAttentionBackend final : public AttentionBackend, public AttentionCheckList {
 public:
  explicit PluginAttentionBackend(PluginObject<AttentionBackend> object) : object_(std::move(object)) {
    name_ = object_.call("attention backend name", [](AttentionBackend& b) { return b.name(); });
    priority_ = object_.call("attention backend priority", [](AttentionBackend& b) { return b.priority(); });
    AttentionCheckList* list = object_.call("attention backend checks", [](AttentionBackend& b) {
      return capability<AttentionCheckList>(b);
    });
    if (list) {
      has_checks_ = true;
      for (const AttentionCheck& check : list->checks()) checks_.push_back(through_choke_point(check));
    }
  }

  std::string name() const override { return name_; }
  int priority() const override { return priority_; }
  bool supports(const AttentionProblem& problem, std::string* why) const override {
    return object_.call("attention supports", [&](AttentionBackend& b) { return b.supports(problem, why); });
  }
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    return object_.call("attention forward", [&](AttentionBackend& b) { return b.forward(q, k, v, mask, problem); });
  }
  void* query_capability(const char* capability) override {
    if (has_checks_ && std::string(capability) == AttentionCheckList::kCapability)
      return static_cast<AttentionCheckList*>(this);
    return nullptr;
  }
  const std::vector<AttentionCheck>& checks() const override { return checks_; }

 private:
  AttentionCheck through_choke_point(const AttentionCheck& check) const {
    AttentionCheck wrapped = check;
    wrapped.refusal = [plugin = object_.plugin(), refusal = check.refusal](const AttentionProblem& p) {
      return call_plugin(plugin, "attention check", [&] { return refusal(p); });
    };
    return wrapped;
  }

  PluginObject<AttentionBackend> object_;
  std::string name_;
  int priority_ = 0;
  bool has_checks_ = false;
  std::vector<AttentionCheck> checks_;
};

}  // namespace

std::vector<PluginBackendRegistration> register_plugin_backends(const PluginHost& host, AttentionRegistry& registry) {
  std::vector<PluginBackendRegistration> out;
  for (const ComponentInfo* info : host.components(FT_PLUGIN_KIND_ATTENTION_BACKEND)) {
    PluginBackendRegistration r{info->name, info->plugin, ""};
    try {
      auto backend = std::make_shared<PluginAttentionBackend>(host.create<AttentionBackend>(info->name));
      if (backend->name() != info->name)
        throw Error(fmt::format("its name() is '{}', not its registered name '{}'", backend->name(), info->name));
      registry.add(backend);
      spdlog::debug("attention backend '{}' from plugin '{}' registered (priority {})", info->name, info->plugin,
                    backend->priority());
    } catch (const std::exception& e) {
      r.error = e.what();
      spdlog::warn("attention backend '{}' from plugin '{}' not registered: {}", info->name, info->plugin, r.error);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace finetrain::host
