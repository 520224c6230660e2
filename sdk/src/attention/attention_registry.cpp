// The process-wide attention registry: backends, the policy in force and its live switching,
// per-backend call counts, and problem recording for `finetrain attention explain`.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "attention/attention_snapshot.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/attention_builtin.hpp"
#include "finetrain/error.hpp"

namespace finetrain {

struct AttentionRegistry::State {
  mutable std::mutex mutex;  // writers, and readers whose per-thread snapshot is stale
  std::shared_ptr<const AttentionSnapshot> snapshot = std::make_shared<AttentionSnapshot>();  // guarded by mutex
  std::atomic<uint64_t> generation{1};  // bumped (under mutex) after each publish
  std::optional<AttentionPolicy> pending;  // guarded by mutex
  std::atomic<uint64_t> switches{0};
  std::atomic<AttentionPhase> phase{AttentionPhase::Training};

  std::atomic<bool> recording{false};
  std::mutex record_mutex;
  std::vector<RecordedAttentionCall> records;  // guarded by record_mutex
  std::unordered_set<std::string> recorded_sites;

  // The snapshot in force. Lock-free while this thread's cached copy is current: one atomic load.
  std::shared_ptr<const AttentionSnapshot> current() const {
    struct Cache {
      const State* owner = nullptr;
      uint64_t generation = 0;
      std::shared_ptr<const AttentionSnapshot> snapshot;
    };
    thread_local Cache cache;
    uint64_t now = generation.load(std::memory_order_acquire);
    if (cache.owner != this || cache.generation != now) {
      std::lock_guard<std::mutex> lock(mutex);
      cache.owner = this;
      cache.generation = generation.load(std::memory_order_relaxed);
      cache.snapshot = snapshot;
    }
    return cache.snapshot;
  }

  // Caller holds `mutex`.
  void publish(std::shared_ptr<const AttentionSnapshot> next) {
    snapshot = std::move(next);
    generation.fetch_add(1, std::memory_order_release);
  }

  // Caller holds `mutex`. Publishes `policy` when it differs from the one in force.
  bool switch_to(AttentionPolicy policy, const std::string& when) {
    if (policy == snapshot->policy) return false;
    auto next = std::make_shared<AttentionSnapshot>(*snapshot);
    spdlog::info("attention: {} -> {} {}", snapshot->policy.describe(), policy.describe(), when);
    next->policy = std::move(policy);
    publish(std::move(next));
    switches.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  std::string names_locked() const {
    std::string names = "auto";
    for (const AttentionBackendEntry& e : snapshot->backends) names += ", " + e.name;
    return names;
  }

  void validate_locked(const AttentionPolicy& policy) const {
    auto check = [&](const std::string& name, const std::string& where) {
      if (name != "auto" && !snapshot->find(name))
        throw Error(fmt::format("unknown attention backend '{}' ({}); available: {}", name, where, names_locked()));
    };
    check(policy.training_backend, "training backend");
    check(policy.validation_backend, "validation backend");
    for (const auto& [pattern, backend] : policy.site_overrides) {
      if (pattern.empty()) throw Error("attention site override with an empty site pattern");
      check(backend, fmt::format("site override '{}'", pattern));
    }
  }
};

AttentionRegistry::AttentionRegistry() : state_(std::make_shared<State>()) {}

void AttentionRegistry::add(std::shared_ptr<AttentionBackend> backend) {
  if (!backend) throw Error("attention: cannot register a null backend");
  AttentionBackendEntry entry;
  entry.name = backend->name();
  entry.priority = backend->priority();
  entry.checks = capability<AttentionCheckList>(*backend);
  entry.calls = std::make_shared<std::atomic<uint64_t>>(0);
  entry.backend = std::move(backend);
  if (entry.name.empty() || entry.name == "auto")
    throw Error(fmt::format("attention backend name '{}' is reserved or empty", entry.name));

  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->snapshot->find(entry.name))
    throw Error(fmt::format("attention backend '{}' is already registered", entry.name));
  auto next = std::make_shared<AttentionSnapshot>(*state_->snapshot);
  auto position = std::find_if(next->backends.begin(), next->backends.end(),
                               [&](const AttentionBackendEntry& e) { return e.priority < entry.priority; });
  spdlog::debug("attention: backend '{}' registered (priority {})", entry.name, entry.priority);
  next->backends.insert(position, std::move(entry));
  state_->publish(std::move(next));
}

std::vector<std::shared_ptr<AttentionBackend>> AttentionRegistry::backends() const {
  std::vector<std::shared_ptr<AttentionBackend>> out;
  for (const AttentionBackendEntry& e : state_->current()->backends) out.push_back(e.backend);
  return out;
}

std::shared_ptr<AttentionBackend> AttentionRegistry::find(const std::string& name) const {
  const AttentionBackendEntry* e = state_->current()->find(name);
  return e ? e->backend : nullptr;
}

std::string AttentionRegistry::available_names() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->names_locked();
}

AttentionPolicy AttentionRegistry::policy() const { return state_->current()->policy; }

void AttentionRegistry::request_policy(AttentionPolicy policy) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->validate_locked(policy);
  spdlog::debug("attention: requested {} (applied at the next step boundary)", policy.describe());
  state_->pending = std::move(policy);
}

bool AttentionRegistry::apply_pending(int64_t step) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->pending) return false;
  AttentionPolicy next = std::move(*state_->pending);
  state_->pending.reset();
  return state_->switch_to(std::move(next), fmt::format("at step {}", step));
}

void AttentionRegistry::set_policy(AttentionPolicy policy) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->validate_locked(policy);
  state_->switch_to(std::move(policy), "(set directly)");
}

uint64_t AttentionRegistry::switch_count() const { return state_->switches.load(std::memory_order_relaxed); }

void AttentionRegistry::set_phase(AttentionPhase phase) { state_->phase.store(phase, std::memory_order_release); }
AttentionPhase AttentionRegistry::phase() const { return state_->phase.load(std::memory_order_acquire); }

std::shared_ptr<AttentionBackend> AttentionRegistry::select(const std::string& site,
                                                            const AttentionProblem& problem) const {
  auto snapshot = state_->current();
  return select_backend(*snapshot, phase(), site, problem).backend;
}

std::vector<AttentionVerdict> AttentionRegistry::explain(const AttentionProblem& problem) const {
  std::vector<AttentionVerdict> out;
  for (const AttentionBackendEntry& e : state_->current()->backends) out.push_back(verdict_of(e, problem));
  return out;
}

at::Tensor AttentionRegistry::run(const std::string& site, const at::Tensor& q, const at::Tensor& k,
                                  const at::Tensor& v, const at::Tensor& mask, const AttentionProblem& problem) {
  if (state_->recording.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(state_->record_mutex);
    // Recorded before selection, so a site whose backend refuses still shows up in `explain`.
    if (state_->recorded_sites.insert(site).second) state_->records.push_back({site, problem});
  }
  auto snapshot = state_->current();
  const AttentionBackendEntry& entry = select_backend(*snapshot, phase(), site, problem);
  entry.calls->fetch_add(1, std::memory_order_relaxed);
  at::Tensor out = entry.backend->forward(q, k, v, mask, problem);
  if (!out.defined() || out.dim() != 4 || out.size(0) != problem.B || out.size(1) != problem.Hq ||
      out.size(2) != problem.Lq || out.size(3) != problem.D)
    throw Error(fmt::format("attention backend '{}' returned {} at site '{}', expected [{}, {}, {}, {}]", entry.name,
                            out.defined() ? fmt::format("shape [{}]", fmt::join(out.sizes(), ", ")) : "nothing",
                            site, problem.B, problem.Hq, problem.Lq, problem.D));
  return out;
}

uint64_t AttentionRegistry::calls(const std::string& name) const {
  const AttentionBackendEntry* e = state_->current()->find(name);
  return e ? e->calls->load(std::memory_order_relaxed) : 0;
}

void AttentionRegistry::start_recording() {
  std::lock_guard<std::mutex> lock(state_->record_mutex);
  state_->records.clear();
  state_->recorded_sites.clear();
  state_->recording.store(true, std::memory_order_relaxed);
}

std::vector<RecordedAttentionCall> AttentionRegistry::stop_recording() {
  std::lock_guard<std::mutex> lock(state_->record_mutex);
  state_->recording.store(false, std::memory_order_relaxed);
  state_->recorded_sites.clear();
  std::vector<RecordedAttentionCall> out;
  out.swap(state_->records);
  return out;
}

AttentionRegistry& attention_registry() {
  // Never destroyed: backends created by plugins must outlive every static destructor that might
  // still run attention, and plugin code is never unloaded anyway.
  static AttentionRegistry* registry = [] {
    auto* r = new AttentionRegistry();
    r->add(make_math_attention());
    r->add(make_sdpa_attention());
    r->add(make_chunked_attention());
    return r;
  }();
  return *registry;
}

}  // namespace finetrain
