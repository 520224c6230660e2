// `math`: attention from plain ATen ops, differentiated by autograd. The reference: every other
// backend is tested against it. Memory O(Lq * Lkv) per head.
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/softmax.h>

#include <limits>

#include "attention/attention_names.hpp"
#include "finetrain/attention_builtin.hpp"
#include "finetrain/attention_checks.hpp"

namespace finetrain {
namespace {

class MathAttention final : public CheckedAttentionBackend {
 public:
  MathAttention()
      : CheckedAttentionBackend(
            {dtype_in({at::kDouble, at::kFloat, at::kBFloat16, at::kHalf}), half_matmul_on_cpu()}) {}

  std::string name() const override { return "math"; }
  int priority() const override { return kMathAttentionPriority; }

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    const int64_t groups = problem.Hq / problem.Hkv;
    at::Tensor keys = groups > 1 ? k.repeat_interleave(groups, 1) : k;
    at::Tensor values = groups > 1 ? v.repeat_interleave(groups, 1) : v;

    at::Tensor scores = at::matmul(q, keys.transpose(-2, -1));
    if (is_low_precision(problem.dtype)) scores = scores.to(at::kFloat);  // softmax in float32
    scores = scores.mul(problem.scale);
    const double minus_inf = -std::numeric_limits<double>::infinity();
    if (problem.mask == MaskKind::Additive) scores = scores.add(mask.to(scores.scalar_type()));
    if (problem.mask == MaskKind::Boolean) scores = scores.masked_fill(mask.logical_not(), minus_inf);
    if (problem.causal) {
      // Top-left aligned: query i sees keys 0..i, whatever Lq and Lkv are.
      at::Tensor future = at::ones({problem.Lq, problem.Lkv}, q.options().dtype(at::kBool)).triu(1);
      scores = scores.masked_fill(future, minus_inf);
    }
    at::Tensor probs = at::softmax(scores, -1).to(values.scalar_type());
    return at::matmul(probs, values);
  }
};

}  // namespace

std::shared_ptr<AttentionBackend> make_math_attention() { return std::make_shared<MathAttention>(); }

}  // namespace finetrain
