// `sdpa`: LibTorch's scaled-dot-product attention op, through the version shim. What it really
// is depends on the linked LibTorch: 1.13 and 2.0 run an unfused composite on CPU (1.13: CUDA
// flash only without grad), 2.1+ has a fused flash CPU kernel; the checks below say so.
//
// Probed on LibTorch 1.13 (CPU): a bool mask means True = attend, a floating mask is added to the
// scaled scores, is_causal masks with tril(ones(Lq, Lkv)) (top-left, as our problem defines it),
// is_causal together with attn_mask throws, q and k heads that differ fail to broadcast (unless
// Hkv == 1), the scale is fixed at 1/sqrt(D) (applied as D^-1/4 on q and on k), and bf16 inputs get
// a bf16 softmax. The consistency test holds it to `math` on every cell it accepts.
#include <fmt/format.h>
#include <torch/version.h>

#include "attention/attention_names.hpp"
#include "finetrain/attention_builtin.hpp"
#include "finetrain/attention_checks.hpp"
#include "finetrain/torch_compat.hpp"

namespace finetrain {
namespace {

AttentionCheck fused_cpu_kernel() {
  return {"fused CPU kernel (LibTorch >= 2.1)", [](const AttentionProblem& p) {
            if (!p.device.is_cpu() || compat::kSdpaHasFusedCpuKernel) return std::string();
            return fmt::format("LibTorch {} runs the unfused composite on CPU (math's work and O(L^2) memory)",
                               TORCH_VERSION);
          }};
}

AttentionCheck not_low_precision_on_cpu() {
  return {"not bfloat16/float16 on CPU", [](const AttentionProblem& p) {
            if (!p.device.is_cpu() || !is_low_precision(p.dtype)) return std::string();
            return fmt::format(
                "got {}: the fused CPU kernel runs 10-20x slower in bf16 than in fp32 (measured with LibTorch 2.6 on "
                "Zen 4 without AMX), while chunked runs on matmuls",
                dtype_name(p.dtype));
          }};
}

class SdpaAttention final : public CheckedAttentionBackend {
 public:
  SdpaAttention()
      : CheckedAttentionBackend({
            dtype_in({at::kFloat, at::kBFloat16, at::kHalf}),
            device_type_in({c10::DeviceType::CPU, c10::DeviceType::CUDA}),
            half_matmul_on_cpu(),
            no_gqa(),                // the op needs equal head counts (no enable_gqa before 2.5; not passed)
            not_causal_with_mask(),  // the op refuses is_causal together with attn_mask
            auto_only(fused_cpu_kernel()),
            auto_only(not_low_precision_on_cpu()),
        }) {}

  std::string name() const override { return "sdpa"; }
  int priority() const override { return kSdpaAttentionPriority; }

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    // LibTorch 2.x wants an additive mask in the query's dtype.
    at::Tensor attn_mask = problem.mask == MaskKind::Additive ? mask.to(q.scalar_type()) : mask;
    return compat::scaled_dot_product_attention(q, k, v, attn_mask, problem.causal, problem.scale);
  }
};

}  // namespace

std::shared_ptr<AttentionBackend> make_sdpa_attention() { return std::make_shared<SdpaAttention>(); }

}  // namespace finetrain
