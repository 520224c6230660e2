// An attention call site: describes each call as a problem and hands it to the registry.
#include "finetrain/attention.hpp"

namespace finetrain {

AttentionHandle::AttentionHandle(std::string site) : site_(std::move(site)) {}

at::Tensor AttentionHandle::operator()(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const at::Tensor& mask, std::optional<double> scale, bool causal) const {
  AttentionProblem problem = make_attention_problem(q, k, v, mask, scale, causal);
  return attention_registry().run(site_, q, k, v, mask, problem);
}

}  // namespace finetrain
