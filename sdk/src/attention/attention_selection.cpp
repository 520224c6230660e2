// Selection: which backend runs a call, from the policy (site overrides, phase) or `auto`.
#include <fmt/format.h>

#include "attention/attention_snapshot.hpp"
#include "finetrain/error.hpp"

namespace finetrain {

const AttentionBackendEntry* AttentionSnapshot::find(const std::string& name) const {
  for (const AttentionBackendEntry& e : backends)
    if (e.name == name) return &e;
  return nullptr;
}

AttentionVerdict verdict_of(const AttentionBackendEntry& entry, const AttentionProblem& problem) {
  AttentionVerdict v;
  v.backend = entry.name;
  v.priority = entry.priority;
  v.supported = entry.backend->supports(problem, &v.reason);
  if (!v.supported) {
    if (v.reason.empty()) v.reason = "(the backend gave no reason)";
    return v;
  }
  v.reason = entry.checks ? first_refusal(entry.checks->checks(), problem, /*for_auto=*/true) : "";
  v.auto_candidate = v.reason.empty();
  if (!v.auto_candidate) v.reason = "auto skips it: " + v.reason;
  return v;
}

namespace {

struct PolicyChoice {
  const std::string& backend;
  std::string source;  // where the name came from, for error messages
};

PolicyChoice choice_for(const AttentionPolicy& policy, AttentionPhase phase, const std::string& site) {
  for (const auto& [pattern, backend] : policy.site_overrides)
    if (attention_site_matches(pattern, site)) return {backend, fmt::format("site override '{}'", pattern)};
  if (phase == AttentionPhase::Validation) return {policy.validation_backend, "validation backend"};
  return {policy.training_backend, "training backend"};
}

}  // namespace

const AttentionBackendEntry& select_backend(const AttentionSnapshot& snapshot, AttentionPhase phase,
                                           const std::string& site, const AttentionProblem& problem) {
  PolicyChoice choice = choice_for(snapshot.policy, phase, site);
  if (choice.backend != "auto") {
    const AttentionBackendEntry* entry = snapshot.find(choice.backend);
    if (!entry)  // policies are validated when set and backends are never removed
      throw Error(fmt::format("attention: unknown backend '{}' ({})", choice.backend, choice.source));
    std::string why;
    if (!entry->backend->supports(problem, &why))
      throw Error(fmt::format("attention at site '{}': backend '{}' ({}) cannot run {}: {}", site, choice.backend,
                              choice.source, problem.describe(), why.empty() ? "(the backend gave no reason)" : why));
    return *entry;
  }
  std::string reasons;
  for (const AttentionBackendEntry& entry : snapshot.backends) {
    AttentionVerdict v = verdict_of(entry, problem);
    if (v.auto_candidate) return entry;
    reasons += fmt::format("\n  {}: {}", entry.name, v.reason);
  }
  throw Error(fmt::format("attention at site '{}': no backend can run {} ({} is auto):{}", site, problem.describe(),
                          choice.source, reasons));
}

}  // namespace finetrain
