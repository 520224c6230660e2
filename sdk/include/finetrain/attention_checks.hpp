// Named checks from which attention backends build supports(): each states what must hold and,
// when a problem fails it, what was found — so every refusal reads "<check>: <found>".
//
//   class MyBackend : public finetrain::CheckedAttentionBackend {
//    public:
//     MyBackend() : CheckedAttentionBackend({finetrain::dtype_in({at::kFloat}), finetrain::no_gqa()}) {}
//     ...
//   };
//
// A check marked auto_only is a preference, not a limit: `auto` skips the backend when it fails,
// but a user who names the backend explicitly still gets it.
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "finetrain/attention_backend.hpp"
#include "finetrain/export.hpp"

namespace finetrain {

struct FT_SDK_API AttentionCheck {
  std::string name;  // what must hold, e.g. "dtype in {float32, bfloat16}"
  // Empty when `problem` passes; otherwise what was found, e.g. "got float64".
  std::function<std::string(const AttentionProblem& problem)> refusal;
  bool auto_only = false;
};

// The first failing check as "<name>: <found>", or "" when all pass. Auto-only checks count only
// when `for_auto` is set.
FT_SDK_API std::string first_refusal(const std::vector<AttentionCheck>& checks, const AttentionProblem& problem,
                                     bool for_auto);

// ---- the reusable checks ----
FT_SDK_API AttentionCheck dtype_in(std::vector<c10::ScalarType> dtypes);
FT_SDK_API AttentionCheck device_type_in(std::vector<c10::DeviceType> types);
FT_SDK_API AttentionCheck no_gqa();                      // k/v heads == q heads
FT_SDK_API AttentionCheck mask_kind_not(MaskKind kind);  // e.g. mask_kind_not(MaskKind::Additive)
FT_SDK_API AttentionCheck head_dim_at_most(int64_t max_dim);
FT_SDK_API AttentionCheck not_causal_with_mask();  // is_causal and an explicit mask together
// float16 on CPU needs a CPU half-precision matmul, which LibTorch 1.13 lacks. Probed once at run
// time (a 1x1 matmul), so the answer is right for whichever LibTorch is linked.
FT_SDK_API AttentionCheck half_matmul_on_cpu();
// Makes any check a preference for `auto` only.
FT_SDK_API AttentionCheck auto_only(AttentionCheck check);

// Capability through which a backend lists its checks (`finetrain attention list`) and lets
// `auto` evaluate its auto-only ones. Query with capability<AttentionCheckList>(backend).
class FT_SDK_API AttentionCheckList {
 public:
  static constexpr const char* kCapability = "finetrain.AttentionCheckList/1";
  virtual ~AttentionCheckList();
  virtual const std::vector<AttentionCheck>& checks() const = 0;
};

// A backend whose support is exactly its list of checks.
class FT_SDK_API CheckedAttentionBackend : public AttentionBackend, public AttentionCheckList {
 public:
  // Refuses when a check that is not auto-only fails; *why gets "<check>: <found>".
  bool supports(const AttentionProblem& problem, std::string* why) const override;
  void* query_capability(const char* capability) override;
  const std::vector<AttentionCheck>& checks() const override { return checks_; }

 protected:
  explicit CheckedAttentionBackend(std::vector<AttentionCheck> checks);

 private:
  std::vector<AttentionCheck> checks_;
};

}  // namespace finetrain
