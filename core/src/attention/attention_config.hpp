// Configuration of attention: the `attention.*` keys and the policy they, the environment and the
// command line select. Precedence for the training backend: --attention-backend, then
// $FINETRAIN_ATTENTION_BACKEND, then `attention.backend` in the config.
#pragma once

#include <optional>
#include <string>

#include "attention/attention_schema.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"

namespace finetrain::host {

constexpr const char* kAttentionBackendEnv = "FINETRAIN_ATTENTION_BACKEND";

// $FINETRAIN_ATTENTION_BACKEND, or nullopt when unset or empty.
std::optional<std::string> attention_backend_from_environment();

// The policy of a run. `options` holds the attention.* keys with defaults filled; `env_backend`
// and `cli_backend` replace attention.backend (the training backend) in that order of precedence.
// Throws finetrain::Error naming the key (or variable, or flag) when a backend name is not
// registered in `registry`, listing the available ones, or when an override has an empty site.
AttentionPolicy attention_policy_from_options(const Options& options, const std::optional<std::string>& env_backend,
                                              const std::optional<std::string>& cli_backend,
                                              const AttentionRegistry& registry = attention_registry());

}  // namespace finetrain::host
