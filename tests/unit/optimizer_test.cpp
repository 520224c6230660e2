#include "training/optimizer.hpp"

#include <ATen/ops/equal.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <cmath>

#include "finetrain/error.hpp"

using finetrain::host::make_optimizer;
using finetrain::host::OptimizerSettings;

namespace {

// One scalar parameter driven through `steps` updates with gradient g_t = 0.5 * t - 1 (t = 1..steps).
double run_scalar(const OptimizerSettings& s, double w0, int steps, double lr, at::ScalarType dtype = at::kFloat) {
  at::Tensor w = at::tensor({w0}, at::TensorOptions().dtype(at::kDouble)).to(dtype).requires_grad_(true);
  auto opt = make_optimizer(s, {{"w", w}});
  for (int t = 1; t <= steps; ++t) {
    w.mutable_grad() = at::tensor({0.5 * t - 1.0}, at::kDouble).to(dtype);
    opt->step(lr);
  }
  return w.to(at::kDouble).item<double>();
}

}  // namespace

TEST(OptimizerTest, AdamWMatchesTheClosedForm) {
  OptimizerSettings s;
  s.name = "adamw";
  s.weight_decay = 0.1;
  double w = 1.5, m = 0, v = 0;
  for (int t = 1; t <= 5; ++t) {
    const double g = 0.5 * t - 1.0;
    w *= 1 - 0.01 * s.weight_decay;
    m = s.beta1 * m + (1 - s.beta1) * g;
    v = s.beta2 * v + (1 - s.beta2) * g * g;
    w -= 0.01 / (1 - std::pow(s.beta1, t)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(s.beta2, t)) + s.epsilon);
  }
  EXPECT_NEAR(run_scalar(s, 1.5, 5, 0.01), w, 1e-6);
}

TEST(OptimizerTest, AdamAddsL2ToTheGradientInsteadOfDecaying) {
  OptimizerSettings s;
  s.name = "adam";
  s.weight_decay = 0.1;
  double w = 1.5, m = 0, v = 0;
  for (int t = 1; t <= 5; ++t) {
    const double g = 0.5 * t - 1.0 + s.weight_decay * w;
    m = s.beta1 * m + (1 - s.beta1) * g;
    v = s.beta2 * v + (1 - s.beta2) * g * g;
    w -= 0.01 / (1 - std::pow(s.beta1, t)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(s.beta2, t)) + s.epsilon);
  }
  EXPECT_NEAR(run_scalar(s, 1.5, 5, 0.01), w, 1e-6);
}

TEST(OptimizerTest, SgdMomentumStartsFromTheFirstGradient) {
  OptimizerSettings s;
  s.name = "sgd";
  s.momentum = 0.9;
  s.weight_decay = 0;
  double w = 1.5, buf = 0;
  for (int t = 1; t <= 4; ++t) {
    const double g = 0.5 * t - 1.0;
    buf = t == 1 ? g : 0.9 * buf + g;
    w -= 0.1 * buf;
  }
  EXPECT_NEAR(run_scalar(s, 1.5, 4, 0.1), w, 1e-6);
}

TEST(OptimizerTest, Bf16ParametersAreUpdatedThroughAnFp32MasterCopy) {
  OptimizerSettings s;
  s.name = "sgd";
  s.weight_decay = 0;
  // 300 updates of 1e-4 each: in bf16 alone every one would round away (spacing at 1.0 is 2^-7).
  at::Tensor w = at::tensor({1.0f}).to(at::kBFloat16).requires_grad_(true);
  auto opt = make_optimizer(s, {{"w", w}});
  for (int t = 0; t < 300; ++t) {
    w.mutable_grad() = at::tensor({1.0f}).to(at::kBFloat16);
    opt->step(1e-4);
  }
  EXPECT_NEAR(w.to(at::kFloat).item<float>(), 0.97f, 0.004f);
  EXPECT_NEAR(opt->state().at("w.master").item<float>(), 0.97f, 1e-5f);
}

TEST(OptimizerTest, StateRoundTripContinuesBitForBit) {
  OptimizerSettings s;
  auto make_param = [] { return at::tensor({0.3f, -0.2f, 0.7f}).requires_grad_(true); };
  auto grad_at = [](int t) { return at::tensor({0.1f * t, -0.05f, 0.02f * t * t}); };

  at::Tensor a = make_param();
  auto opt_a = make_optimizer(s, {{"p", a}});
  for (int t = 0; t < 6; ++t) {
    a.mutable_grad() = grad_at(t);
    opt_a->step(1e-2);
  }

  at::Tensor b = make_param();
  auto opt_b = make_optimizer(s, {{"p", b}});
  for (int t = 0; t < 3; ++t) {
    b.mutable_grad() = grad_at(t);
    opt_b->step(1e-2);
  }
  finetrain::TensorMap saved;
  for (auto& [k, v] : opt_b->state()) saved[k] = v.clone();
  at::Tensor weights = b.detach().clone();

  at::Tensor c = weights.clone().requires_grad_(true);
  auto opt_c = make_optimizer(s, {{"p", c}});
  opt_c->load_state(saved);
  for (int t = 3; t < 6; ++t) {
    c.mutable_grad() = grad_at(t);
    opt_c->step(1e-2);
  }
  EXPECT_TRUE(at::equal(a, c));
}

TEST(OptimizerTest, LoadStateRejectsForeignState) {
  auto opt = make_optimizer(OptimizerSettings{}, {{"p", at::tensor({1.0f}).requires_grad_(true)}});
  finetrain::TensorMap state = opt->state();
  state["q.exp_avg"] = at::tensor({0.0f});
  EXPECT_THROW(opt->load_state(state), finetrain::Error);
  EXPECT_THROW(make_optimizer(OptimizerSettings{"lion"}, {}), finetrain::Error);
}
