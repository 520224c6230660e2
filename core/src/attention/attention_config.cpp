#include "attention/attention_config.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "finetrain/error.hpp"

namespace finetrain::host {

std::optional<std::string> attention_backend_from_environment() {
  const char* value = std::getenv(kAttentionBackendEnv);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

namespace {

const std::string& checked_name(const std::string& name, const std::string& where, const AttentionRegistry& registry) {
  if (name != "auto" && !registry.find(name))
    throw Error(fmt::format("{}: unknown attention backend '{}'; available: {}", where, name,
                            registry.available_names()));
  return name;
}

}  // namespace

AttentionPolicy attention_policy_from_options(const Options& options, const std::optional<std::string>& env_backend,
                                              const std::optional<std::string>& cli_backend,
                                              const AttentionRegistry& registry) {
  AttentionPolicy policy;
  if (cli_backend) {
    policy.training_backend = checked_name(*cli_backend, "--attention-backend", registry);
  } else if (env_backend) {
    policy.training_backend = checked_name(*env_backend, kAttentionBackendEnv, registry);
  } else {
    policy.training_backend = checked_name(options.get_string("attention.backend"), "attention.backend", registry);
  }
  policy.validation_backend =
      checked_name(options.get_string("attention.validation_backend"), "attention.validation_backend", registry);
  const TableList& overrides = options.get_table_list("attention.overrides");
  for (size_t i = 0; i < overrides.size(); ++i) {
    const std::string where = fmt::format("attention.overrides[{}]", i);
    const std::string& site = overrides[i]->get_string("site");
    if (site.empty()) throw Error(where + ".site: empty site pattern");
    const std::string& backend = checked_name(overrides[i]->get_string("backend"), where + ".backend", registry);
    policy.site_overrides.emplace_back(site, backend);
  }
  return policy;
}

}  // namespace finetrain::host
