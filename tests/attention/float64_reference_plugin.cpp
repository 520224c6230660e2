// A real attention backend shipped as a plugin: attention computed in float64 (then cast back),
// declared through the SDK's named checks. A second component reports a name that differs from
// the one it registers under, which the host must refuse.
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/softmax.h>
#include <finetrain/attention_checks.hpp>
#include <finetrain/plugin.hpp>

#include <limits>

FT_DEFINE_MANIFEST(FT_PLUGIN_KIND_ATTENTION_BACKEND, "test-attention", "0.1.0",
                   "float64 reference attention (test plugin)");

namespace {

using namespace finetrain;

class Float64ReferenceAttention : public CheckedAttentionBackend {
 public:
  Float64ReferenceAttention()
      : CheckedAttentionBackend({dtype_in({at::kFloat, at::kDouble}), device_type_in({c10::DeviceType::CPU}),
                                 no_gqa(), mask_kind_not(MaskKind::Additive), head_dim_at_most(128)}) {}

  std::string name() const override { return "float64-reference"; }
  int priority() const override { return 10; }

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    const double minus_inf = -std::numeric_limits<double>::infinity();
    at::Tensor scores = at::matmul(q.to(at::kDouble), k.to(at::kDouble).transpose(-2, -1)).mul(problem.scale);
    if (problem.mask == MaskKind::Boolean) scores = scores.masked_fill(mask.logical_not(), minus_inf);
    if (problem.causal)
      scores = scores.masked_fill(at::ones({problem.Lq, problem.Lkv}, q.options().dtype(at::kBool)).triu(1), minus_inf);
    return at::matmul(at::softmax(scores, -1), v.to(at::kDouble)).to(q.scalar_type());
  }
};

class MisnamedAttention final : public Float64ReferenceAttention {
 public:
  std::string name() const override { return "not-what-it-registered-as"; }
};

void register_components(PluginRegistrar& registrar) {
  registrar.add<Float64ReferenceAttention>("float64-reference", "0.1.0", "attention in float64");
  registrar.add<MisnamedAttention>("misnamed", "0.1.0", "reports another name than it registers");
}

}  // namespace

FT_PLUGIN_ENTRY_POINTS(register_components)
