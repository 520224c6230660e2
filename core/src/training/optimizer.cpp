#include "training/optimizer.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>

#include "finetrain/error.hpp"

namespace finetrain::host {

Optimizer::Optimizer(std::vector<std::pair<std::string, at::Tensor>> params) : params_(std::move(params)) {}
Optimizer::~Optimizer() = default;

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) {
    at::Tensor g = p.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

namespace {

// Per-parameter state: fp32 slots, the fp32 master copy for low-precision parameters, and the
// parameter's own step count (a parameter without a gradient in a step does not advance, as in
// torch.optim).
struct Slots {
  std::map<std::string, at::Tensor> tensors;
  int64_t step = 0;
};

class SlottedOptimizer : public Optimizer {
 public:
  SlottedOptimizer(std::vector<std::pair<std::string, at::Tensor>> params, std::vector<std::string> slot_names)
      : Optimizer(std::move(params)), slot_names_(std::move(slot_names)) {
    c10::AutoGradMode no_grad(false);
    for (auto& [name, p] : params_) {
      Slots& s = slots_[name];
      for (const auto& slot : slot_names_) s.tensors[slot] = at::zeros_like(p, p.options().dtype(at::kFloat));
      if (p.scalar_type() != at::kFloat) s.tensors["master"] = p.detach().to(at::kFloat);
    }
  }

  void step(double lr) override {
    c10::AutoGradMode no_grad(false);
    for (auto& [name, p] : params_) {
      const at::Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      Slots& s = slots_[name];
      ++s.step;
      auto master = s.tensors.find("master");
      at::Tensor weight = master != s.tensors.end() ? master->second : p.detach();
      update(weight, grad.to(at::kFloat), s, lr);
      if (master != s.tensors.end()) p.detach().copy_(weight);
    }
  }

  TensorMap state() const override {
    TensorMap out;
    for (const auto& [name, s] : slots_) {
      out[name + ".step"] = at::full({}, s.step, at::kLong);
      for (const auto& [slot, t] : s.tensors) out[name + "." + slot] = t;
    }
    return out;
  }

  void load_state(const TensorMap& state) override {
    TensorMap expected = this->state();
    for (const auto& [key, t] : expected) {
      auto it = state.find(key);
      if (it == state.end()) throw Error(fmt::format("optimizer state has no '{}'", key));
      if (it->second.sizes() != t.sizes())
        throw Error(fmt::format("optimizer state '{}' has shape {}, expected {}", key, it->second.sizes().vec(),
                                t.sizes().vec()));
    }
    for (const auto& [key, t] : state)
      if (!expected.count(key)) throw Error(fmt::format("optimizer state has unexpected '{}'", key));
    c10::AutoGradMode no_grad(false);
    for (auto& [name, s] : slots_) {
      s.step = state.at(name + ".step").item<int64_t>();
      for (auto& [slot, t] : s.tensors) t.copy_(state.at(name + "." + slot));
    }
    // The master copy is the truth: make the (low-precision) parameter agree with it.
    for (auto& [name, p] : params_) {
      auto master = slots_[name].tensors.find("master");
      if (master != slots_[name].tensors.end()) p.detach().copy_(master->second);
    }
  }

 protected:
  virtual void update(at::Tensor& weight, const at::Tensor& grad, Slots& s, double lr) = 0;

 private:
  std::vector<std::string> slot_names_;
  std::map<std::string, Slots> slots_;
};

// Adam and AdamW as in torch.optim (bias-corrected; AdamW decays the weight, Adam adds L2 to the grad).
class AdamFamily final : public SlottedOptimizer {
 public:
  AdamFamily(std::vector<std::pair<std::string, at::Tensor>> params, const OptimizerSettings& s, bool decoupled)
      : SlottedOptimizer(std::move(params), {"exp_avg", "exp_avg_sq"}), s_(s), decoupled_(decoupled) {}

 private:
  void update(at::Tensor& w, const at::Tensor& grad, Slots& slots, double lr) override {
    at::Tensor g = grad;
    if (s_.weight_decay != 0) {
      if (decoupled_) {
        w.mul_(1.0 - lr * s_.weight_decay);
      } else {
        g = g + w * s_.weight_decay;
      }
    }
    at::Tensor& m = slots.tensors["exp_avg"];
    at::Tensor& v = slots.tensors["exp_avg_sq"];
    m.mul_(s_.beta1).add_(g, 1.0 - s_.beta1);
    v.mul_(s_.beta2).addcmul_(g, g, 1.0 - s_.beta2);
    const double bias1 = 1.0 - std::pow(s_.beta1, static_cast<double>(slots.step));
    const double bias2 = 1.0 - std::pow(s_.beta2, static_cast<double>(slots.step));
    at::Tensor denom = (v.sqrt() / std::sqrt(bias2)).add_(s_.epsilon);
    w.addcdiv_(m, denom, -lr / bias1);
  }

  OptimizerSettings s_;
  bool decoupled_;
};

// SGD with optional momentum (torch.optim semantics, dampening 0) and L2 weight decay.
class Sgd final : public SlottedOptimizer {
 public:
  Sgd(std::vector<std::pair<std::string, at::Tensor>> params, const OptimizerSettings& s)
      : SlottedOptimizer(std::move(params), s.momentum != 0 ? std::vector<std::string>{"momentum_buffer"}
                                                            : std::vector<std::string>{}),
        s_(s) {}

 private:
  void update(at::Tensor& w, const at::Tensor& grad, Slots& slots, double lr) override {
    at::Tensor g = s_.weight_decay != 0 ? grad + w * s_.weight_decay : grad;
    if (s_.momentum != 0) {
      at::Tensor& buf = slots.tensors["momentum_buffer"];
      // torch.optim initialises the buffer with the first gradient rather than decaying zeros.
      if (slots.step == 1) {
        buf.copy_(g);
      } else {
        buf.mul_(s_.momentum).add_(g);
      }
      g = buf;
    }
    w.add_(g, -lr);
  }

  OptimizerSettings s_;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings,
                                          std::vector<std::pair<std::string, at::Tensor>> params) {
  if (settings.name == "adamw") return std::make_unique<AdamFamily>(std::move(params), settings, true);
  if (settings.name == "adam") return std::make_unique<AdamFamily>(std::move(params), settings, false);
  if (settings.name == "sgd") return std::make_unique<Sgd>(std::move(params), settings);
  throw Error(fmt::format("unknown optimizer '{}' (adamw, adam, sgd)", settings.name));
}

}  // namespace finetrain::host
