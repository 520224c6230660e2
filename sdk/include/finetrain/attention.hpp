// Attention sites and the process-wide backend registry.
//
// Each attention call site in a model holds an AttentionHandle named by its module path
// ("transformer_blocks.3.attn1"). The registry picks a backend for every call from the active
// policy: per-site overrides (glob patterns), the phase (training / validation), or `auto`
// (highest-priority backend that supports the problem). A new policy requested while running is
// applied at the next step boundary; every switch is logged.
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

struct FT_SDK_API AttentionPolicy {
  std::string training_backend = "auto";    // a backend name or "auto"
  std::string validation_backend = "auto";
  std::vector<std::pair<std::string, std::string>> site_overrides;  // (glob over site names, backend)
  bool operator==(const AttentionPolicy& other) const;
  std::string describe() const;
};

struct FT_SDK_API AttentionVerdict {
  std::string backend;
  bool supported = false;
  std::string reason;  // why not, when unsupported
};

class FT_SDK_API AttentionRegistry {
 public:
  // Registers a backend; names are unique (throws finetrain::Error on a duplicate).
  void add(std::shared_ptr<AttentionBackend> backend);
  std::vector<std::shared_ptr<AttentionBackend>> backends() const;  // by descending priority
  std::shared_ptr<AttentionBackend> find(const std::string& name) const;

  // The policy in force, and a request to change it at the next step boundary.
  AttentionPolicy policy() const;
  void request_policy(AttentionPolicy policy);
  // Applies a pending request; returns true and logs "attention: <old> -> <new> at step N" when
  // the policy changed. Called by the training loop between optimizer steps.
  bool apply_pending(int64_t step);
  uint64_t switch_count() const;  // policies applied so far (exported as a metric)

  void set_phase(AttentionPhase phase);
  AttentionPhase phase() const;

  // The backend that will run `problem` at `site` under the current policy and phase. Throws
  // finetrain::Error listing each backend's reason when none can.
  std::shared_ptr<AttentionBackend> select(const std::string& site, const AttentionProblem& problem) const;
  // Every backend's verdict for `problem` at `site` (for `finetrain attention explain`).
  std::vector<AttentionVerdict> explain(const std::string& site, const AttentionProblem& problem) const;

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

  // q [B,Hq,Lq,D], k/v [B,Hkv,Lkv,D]; mask (optional) bool (True = attend) or additive,
  // broadcastable to [B,Hq,Lq,Lkv]; scale defaults to 1/sqrt(D). Returns [B,Hq,Lq,D].
  at::Tensor operator()(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                        const at::Tensor& mask = at::Tensor(), std::optional<double> scale = std::nullopt,
                        bool causal = false) const;

 private:
  std::string site_;
};

}  // namespace finetrain
