#include "training/train_step.hpp"

#include <ATen/TensorOperators.h>
#include <c10/core/GradMode.h>

#include <cmath>

namespace finetrain::host {

double global_grad_norm(const std::vector<std::pair<std::string, at::Tensor>>& params) {
  double sum = 0.0;
  for (const auto& [name, p] : params) {
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    sum += g.to(at::kDouble).pow(2).sum().item<double>();
  }
  return std::sqrt(sum);
}

void clip_gradients(const std::vector<std::pair<std::string, at::Tensor>>& params, double norm, double max_norm) {
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient >= 1.0) return;
  c10::AutoGradMode no_grad(false);
  for (const auto& [name, p] : params) {
    at::Tensor g = p.mutable_grad();
    if (g.defined()) g.mul_(coefficient);
  }
}

StepOutcome train_step(const PluginObject<Trainer>& trainer, Optimizer& optimizer,
                       const std::function<TensorMap()>& next_micro_batch, int64_t accumulation_steps,
                       double max_grad_norm, double learning_rate, at::Generator generator) {
  StepOutcome out;
  optimizer.zero_grad();
  for (int64_t i = 0; i < accumulation_steps; ++i) {
    TensorMap batch = next_micro_batch();
    LossResult result = trainer.call("compute_loss", [&](Trainer& t) { return t.compute_loss(batch, generator); });
    // Each micro-batch contributes its share, so the accumulated gradient is that of the mean loss.
    (result.loss / static_cast<double>(accumulation_steps)).backward();
    out.loss += result.loss.detach().item<double>() / static_cast<double>(accumulation_steps);
    for (const auto& [k, v] : result.metrics) out.metrics[k] += v / static_cast<double>(accumulation_steps);
  }
  const auto& params = optimizer.parameters();
  out.grad_norm = global_grad_norm(params);
  if (!std::isfinite(out.loss) || !std::isfinite(out.grad_norm)) {
    out.skipped = true;
    optimizer.zero_grad();
    return out;
  }
  if (max_grad_norm > 0) clip_gradients(params, out.grad_norm, max_grad_norm);
  optimizer.step(learning_rate);
  return out;
}

}  // namespace finetrain::host
