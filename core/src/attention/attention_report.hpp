// Human-readable views of the attention registry: `finetrain attention list` (what each backend
// checks) and `finetrain attention explain` (every backend's verdict for every recorded site).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "finetrain/attention.hpp"

namespace finetrain::host {

// One block per backend, by descending priority: name, priority, origin ("built-in" unless
// `origins` names a plugin) and the checks it applies (auto-only ones marked).
std::string backend_list_table(const AttentionRegistry& registry, const std::map<std::string, std::string>& origins);

// One block per recorded site: its problem, the backend the current policy and phase select
// (or why none), and each backend's verdict with its reason.
std::string explain_table(const std::vector<RecordedAttentionCall>& calls,
                          const AttentionRegistry& registry = attention_registry());

}  // namespace finetrain::host
