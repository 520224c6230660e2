// INTERIM (replaced when the attention branch merges): the smallest registry that lets model code
// call AttentionHandle — one `math` backend, auto = math.
#include <ATen/TensorOperators.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/softmax.h>
#include <fmt/format.h>

#include <cmath>
#include <mutex>

#include "finetrain/attention.hpp"
#include "finetrain/error.hpp"

namespace finetrain {
namespace {

class MathBackend final : public AttentionBackend {
 public:
  std::string name() const override { return "math"; }
  int priority() const override { return 0; }
  bool supports(const AttentionProblem&, std::string*) const override { return true; }
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& p) override {
    at::Tensor kk = k, vv = v;
    if (p.Hkv != p.Hq) {
      kk = k.repeat_interleave(p.Hq / p.Hkv, 1);
      vv = v.repeat_interleave(p.Hq / p.Hkv, 1);
    }
    at::Tensor scores = at::matmul(q, kk.transpose(-2, -1)) * p.scale;
    if (p.mask == MaskKind::Boolean) scores = scores.masked_fill(mask.logical_not(), -INFINITY);
    if (p.mask == MaskKind::Additive) scores = scores + mask;
    at::Tensor probs = at::softmax(scores.to(at::kFloat), -1).to(q.scalar_type());
    return at::matmul(probs, vv);
  }
};

}  // namespace

struct AttentionRegistry::State {
  std::mutex mutex;
  std::vector<std::shared_ptr<AttentionBackend>> backends;
  AttentionPolicy policy;
};

AttentionRegistry::AttentionRegistry() : state_(std::make_shared<State>()) {
  state_->backends.push_back(std::make_shared<MathBackend>());
}

AttentionRegistry& attention_registry() {
  static AttentionRegistry registry;
  return registry;
}

std::shared_ptr<AttentionBackend> AttentionRegistry::select(const std::string&, const AttentionProblem&) const {
  return state_->backends.front();
}

AttentionHandle::AttentionHandle(std::string site) : site_(std::move(site)) {}

at::Tensor AttentionHandle::operator()(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const at::Tensor& mask, std::optional<double> scale, bool causal) const {
  AttentionProblem p;
  p.dtype = q.scalar_type();
  p.device = q.device();
  p.B = q.size(0);
  p.Hq = q.size(1);
  p.Lq = q.size(2);
  p.D = q.size(3);
  p.Hkv = k.size(1);
  p.Lkv = k.size(2);
  p.mask = !mask.defined() ? MaskKind::None : mask.scalar_type() == at::kBool ? MaskKind::Boolean : MaskKind::Additive;
  p.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(p.D));
  p.causal = causal;
  if (causal) throw Error("interim attention registry: causal not supported");
  return attention_registry().select(site_, p)->forward(q, k, v, mask, p);
}

}  // namespace finetrain
