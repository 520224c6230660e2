// Attention sites and the process-wide backend registry.
//
// Each attention call site in a model holds an AttentionHandle named by its module path
// ("transformer_blocks.3.attn1"). The registry picks a backend for every call from the active
// policy: per-site overrides (glob patterns), the phase (training / validation), or `auto`
// (highest-priority backend that supports the problem). A new policy requested while running is
// applied at the next step boundary; every switch is logged and counted.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/attention_backend.hpp"
#include "finetrain/export.hpp"

namespace finetrain {

enum class AttentionPhase { Training, Validation };
FT_SDK_API const char* to_string(AttentionPhase phase);

// Which backend runs where. Names are registered backend names or "auto" (the highest-priority
// backend that accepts the problem, skipping those whose auto-only checks fail).
struct FT_SDK_API AttentionPolicy {
  std::string training_backend = "auto";    // a backend name or "auto"
  std::string validation_backend = "auto";
  std::vector<std::pair<std::string, std::string>> site_overrides;  // (glob over site names, backend); first match wins
  bool operator==(const AttentionPolicy& other) const;
  bool operator!=(const AttentionPolicy& other) const { return !(*this == other); }
  std::string describe() const;  // "training=auto validation=math overrides=[blocks.0.*=math]"
};

// Glob over site names: `*` matches any run of characters (dots included), `?` exactly one.
FT_SDK_API bool attention_site_matches(const std::string& pattern, const std::string& site);

struct FT_SDK_API AttentionVerdict {
  std::string backend;
  int priority = 0;
  bool supported = false;       // the backend runs the problem when it is named explicitly
  bool auto_candidate = false;  // `auto` may pick it: supported and its auto-only checks pass
  std::string reason;           // why not supported, or why `auto` skips it
};

// One attention call seen while recording (the first call of each site).
struct FT_SDK_API RecordedAttentionCall {
  std::string site;
  AttentionProblem problem;
};

// The canonical problem of a call, after checking that the shapes form one: q [B,Hq,Lq,D],
// k/v [B,Hkv,Lkv,D] with Hkv dividing Hq, same dtype and device, mask bool or floating and
// broadcastable to [B,Hq,Lq,Lkv]. Throws finetrain::Error naming the tensor and both shapes.
FT_SDK_API AttentionProblem make_attention_problem(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                   const at::Tensor& mask, std::optional<double> scale, bool causal);

// Thread safety: every method may be called from any thread. Selection reads an immutable
// snapshot of (backends, policy) through a per-thread cache validated by one atomic load, so the
// per-call path takes no lock; writers (add, set_policy, apply_pending) publish a new snapshot.
class FT_SDK_API AttentionRegistry {
 public:
  // Registers a backend; names are unique (throws finetrain::Error on a duplicate).
  void add(std::shared_ptr<AttentionBackend> backend);
  std::vector<std::shared_ptr<AttentionBackend>> backends() const;  // by descending priority
  std::shared_ptr<AttentionBackend> find(const std::string& name) const;
  std::string available_names() const;  // "auto, sdpa, chunked, math", for error messages

  // The policy in force, and a request to change it at the next step boundary. Throws
  // finetrain::Error at once when a name is neither "auto" nor registered, listing the available ones.
  AttentionPolicy policy() const;
  void request_policy(AttentionPolicy policy);
  // Applies a pending request; returns true and logs "attention: <old> -> <new> at step N" when
  // the policy changed. Called by the training loop between optimizer steps.
  bool apply_pending(int64_t step);
  // Applies `policy` at once (start-up, tests); logged and counted like a switch when it changes.
  void set_policy(AttentionPolicy policy);
  uint64_t switch_count() const;  // policies applied so far (exported as a metric)

  void set_phase(AttentionPhase phase);
  AttentionPhase phase() const;

  // The backend that will run `problem` at `site` under the current policy and phase. Throws
  // finetrain::Error with the reason when an explicitly named backend refuses, or listing each
  // backend's reason when `auto` finds none.
  std::shared_ptr<AttentionBackend> select(const std::string& site, const AttentionProblem& problem) const;
  // Every backend's verdict for `problem`, by descending priority (for `finetrain attention explain`).
  std::vector<AttentionVerdict> explain(const AttentionProblem& problem) const;

  // Selects, counts, records (when recording) and runs one call. What AttentionHandle calls.
  at::Tensor run(const std::string& site, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                 const at::Tensor& mask, const AttentionProblem& problem);
  // Calls run by backend `name` since start-up (0 for an unknown name).
  uint64_t calls(const std::string& name) const;

  // Recording for `attention explain`: while on, the first call of every site is kept.
  void start_recording();  // drops what an earlier recording kept
  std::vector<RecordedAttentionCall> stop_recording();  // in order of first call

 private:
  struct State;
  std::shared_ptr<State> state_;
  friend FT_SDK_API AttentionRegistry& attention_registry();
  AttentionRegistry();
};

// The process-wide registry (built-in backends math, sdpa, chunked are registered on first use).
FT_SDK_API AttentionRegistry& attention_registry();

// Applies `policy` immediately for the guard's lifetime, restoring the previous one after (tests).
class FT_SDK_API ScopedAttentionPolicy {
 public:
  explicit ScopedAttentionPolicy(AttentionPolicy policy);
  ~ScopedAttentionPolicy();
  ScopedAttentionPolicy(const ScopedAttentionPolicy&) = delete;
  ScopedAttentionPolicy& operator=(const ScopedAttentionPolicy&) = delete;

 private:
  AttentionPolicy previous_;
};

// One attention call site of a model.
class FT_SDK_API AttentionHandle {
 public:
  AttentionHandle() = default;
  explicit AttentionHandle(std::string site);
  const std::string& site() const { return site_; }

  // q [B,Hq,Lq,D], k/v [B,Hkv,Lkv,D] (Hkv divides Hq: grouped-query attention); mask (optional)
  // bool (True = attend) or additive, broadcastable to [B,Hq,Lq,Lkv]; scale defaults to 1/sqrt(D).
  // causal: query i attends keys j <= i, aligned top-left like PyTorch's is_causal when Lq != Lkv;
  // combined with a mask, both apply. A query row with every key masked out is undefined (NaN).
  // Returns [B,Hq,Lq,D].
  at::Tensor operator()(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                        const at::Tensor& mask = at::Tensor(), std::optional<double> scale = std::nullopt,
                        bool causal = false) const;

 private:
  std::string site_;
};

}  // namespace finetrain
