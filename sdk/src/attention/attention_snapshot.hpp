// The immutable state every attention call reads: registered backends and the policy in force.
// The registry publishes a new snapshot on every change and never mutates a published one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "finetrain/attention.hpp"
#include "finetrain/attention_checks.hpp"

namespace finetrain {

struct AttentionBackendEntry {
  std::shared_ptr<AttentionBackend> backend;
  std::string name;  // backend->name() and priority() at registration, so no virtual call per lookup
  int priority = 0;
  AttentionCheckList* checks = nullptr;  // the backend's check list, when it offers one
  std::shared_ptr<std::atomic<uint64_t>> calls;  // shared by every snapshot holding the entry
};

struct AttentionSnapshot {
  std::vector<AttentionBackendEntry> backends;  // by descending priority, registration order among equals
  AttentionPolicy policy;

  const AttentionBackendEntry* find(const std::string& name) const;
};

// The backend the policy gives `site` in `phase` for `problem` (see AttentionRegistry::select).
const AttentionBackendEntry& select_backend(const AttentionSnapshot& snapshot, AttentionPhase phase,
                                           const std::string& site, const AttentionProblem& problem);
AttentionVerdict verdict_of(const AttentionBackendEntry& entry, const AttentionProblem& problem);

}  // namespace finetrain
