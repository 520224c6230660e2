// FlowMatchEulerDiscreteScheduler beyond the configurations of the parity fixture
// (tests/parity/scheduler_parity_test.cpp): hand-computed schedules, step semantics, config errors.
#include "finetrain/flow_match_euler_scheduler.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"

namespace finetrain {
namespace {

at::Tensor floats(std::vector<float> values) { return at::tensor(values, at::kFloat); }

FlowMatchEulerDiscreteScheduler scheduler(const std::string& json) {
  return FlowMatchEulerDiscreteScheduler::from_config_json(json, "test config");
}

FlowMatchTimestepsRequest steps(int64_t n) {
  FlowMatchTimestepsRequest r;
  r.num_inference_steps = n;
  return r;
}

using finetrain::testing::error_of;

TEST(FlowMatchEulerSchedulerTest, TrainingTableBeforeSetTimesteps) {
  auto plain = scheduler(R"({"num_train_timesteps": 1000})");
  ASSERT_EQ(plain.sigmas().size(0), 1000);
  EXPECT_FLOAT_EQ(plain.sigmas()[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(plain.sigmas()[500].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(plain.sigmas()[999].item<float>(), 0.001f);
  EXPECT_TRUE(at::allclose(plain.timesteps(), plain.sigmas().mul(1000)));
  // shift 3: 0.5 -> 3 * 0.5 / (1 + 2 * 0.5) = 0.75; dynamic shifting leaves the table unshifted.
  EXPECT_FLOAT_EQ(scheduler(R"({"shift": 3.0})").sigmas()[500].item<float>(), 0.75f);
  EXPECT_FLOAT_EQ(scheduler(R"({"shift": 3.0, "use_dynamic_shifting": true})").sigmas()[500].item<float>(), 0.5f);
}

TEST(FlowMatchEulerSchedulerTest, UnshiftedScheduleIsALinspaceWithTrailingZero) {
  auto s = scheduler("{}");
  s.set_timesteps(steps(4));
  // linspace(1000, 1, 4) / 1000.
  EXPECT_TRUE(at::allclose(s.sigmas(), floats({1.0f, 0.667f, 0.334f, 0.001f, 0.0f}), 0, 1e-7)) << s.sigmas();
  EXPECT_TRUE(at::allclose(s.timesteps(), floats({1000.0f, 667.0f, 334.0f, 1.0f}), 0, 1e-4)) << s.timesteps();
  EXPECT_EQ(s.timesteps().scalar_type(), at::kFloat);
}

TEST(FlowMatchEulerSchedulerTest, InvertedSigmasEndInOne) {
  auto s = scheduler(R"({"invert_sigmas": true})");
  s.set_timesteps(steps(4));
  EXPECT_TRUE(at::allclose(s.sigmas(), floats({0.0f, 0.333f, 0.666f, 0.999f, 1.0f}), 0, 1e-6)) << s.sigmas();
  EXPECT_TRUE(at::allclose(s.timesteps(), floats({0.0f, 333.0f, 666.0f, 999.0f}), 0, 1e-3)) << s.timesteps();
}

TEST(FlowMatchEulerSchedulerTest, KarrasAndExponentialRespacing) {
  auto karras = scheduler(R"({"use_karras_sigmas": true})");
  karras.set_timesteps(steps(5));
  const double lo = std::pow(0.001, 1 / 7.0);
  const double mid = std::pow(1 + 0.5 * (lo - 1), 7.0);  // ramp 0.5 between 1^(1/7) and 0.001^(1/7)
  EXPECT_TRUE(at::allclose(karras.sigmas().slice(0, 0, 5).index_select(0, at::tensor({0L, 2L, 4L})),
                           floats({1.0f, static_cast<float>(mid), 0.001f}), 0, 1e-7))
      << karras.sigmas();
  auto exponential = scheduler(R"({"use_exponential_sigmas": true})");
  exponential.set_timesteps(steps(5));
  // Geometric between 1 and 0.001: ratio 0.001^(1/4).
  const float r = static_cast<float>(std::pow(0.001, 0.25));
  EXPECT_TRUE(at::allclose(exponential.sigmas(), floats({1.0f, r, r * r, r * r * r, 0.001f, 0.0f}), 1e-6, 1e-7))
      << exponential.sigmas();
}

TEST(FlowMatchEulerSchedulerTest, LinearTimeShiftAndCustomTimesteps) {
  auto s = scheduler(R"({"use_dynamic_shifting": true, "time_shift_type": "linear"})");
  FlowMatchTimestepsRequest r;
  r.timesteps = std::vector<double>{500.0, 250.0};
  r.mu = 2.0;
  s.set_timesteps(r);
  // mu / (mu + (1/t - 1)): t = 0.5 -> 2/3, t = 0.25 -> 2/5.
  EXPECT_TRUE(at::allclose(s.sigmas(), floats({2.0f / 3.0f, 0.4f, 0.0f}))) << s.sigmas();
  EXPECT_NE(error_of([&] { s.set_timesteps(steps(4)); }).find("mu must be given"), std::string::npos);
}

TEST(FlowMatchEulerSchedulerTest, RequestConsistencyIsChecked) {
  auto s = scheduler("{}");
  FlowMatchTimestepsRequest r;
  r.num_inference_steps = 3;
  r.sigmas = std::vector<double>{1.0, 0.5};
  EXPECT_NE(error_of([&] { s.set_timesteps(r); }).find("num_inference_steps"), std::string::npos);
  EXPECT_NE(error_of([&] { s.set_timesteps(FlowMatchTimestepsRequest{}); }).find("needs num_inference_steps"),
            std::string::npos);
}

TEST(FlowMatchEulerSchedulerTest, EulerStepAndStepIndex) {
  auto s = scheduler("{}");
  FlowMatchTimestepsRequest r;
  r.sigmas = std::vector<double>{1.0, 0.75, 0.5};
  s.set_timesteps(r);
  at::Generator g = at::detail::createCPUGenerator(3);
  const at::Tensor sample = at::randn({2, 3}, g), velocity = at::randn({2, 3}, g);
  EXPECT_FALSE(s.step_index().has_value());
  at::Tensor next = s.step(velocity, s.timesteps()[0].item<double>(), sample);
  EXPECT_TRUE(at::allclose(next, sample.sub(velocity.mul(0.25f))));
  EXPECT_EQ(s.step_index(), 1);
  next = s.step(velocity, s.timesteps()[1].item<double>(), next);
  // The last step goes to the appended 0: x0 estimate sample - sigma * v.
  at::Tensor last = s.step(velocity, s.timesteps()[2].item<double>(), next);
  EXPECT_TRUE(at::allclose(last, next.sub(velocity.mul(0.5f))));
  EXPECT_NE(error_of([&] { s.step(velocity, 0.0, last); }).find("past the last"), std::string::npos);
}

TEST(FlowMatchEulerSchedulerTest, StepKeepsTheModelOutputDtype) {
  auto s = scheduler("{}");
  s.set_timesteps(steps(2));
  const at::Tensor velocity = at::randn({4}).to(at::kBFloat16);
  at::Tensor next = s.step(velocity, s.timesteps()[0].item<double>(), at::randn({4}));
  EXPECT_EQ(next.scalar_type(), at::kBFloat16);
}

TEST(FlowMatchEulerSchedulerTest, RepeatedTimestepAndBeginIndex) {
  auto s = scheduler("{}");
  FlowMatchTimestepsRequest r;
  r.sigmas = std::vector<double>{1.0, 0.5, 0.5, 0.2};
  s.set_timesteps(r);
  // A timestep found twice resolves to the second match, as in the reference.
  EXPECT_EQ(s.index_for_timestep(500.0), 2);
  EXPECT_EQ(s.index_for_timestep(1000.0), 0);
  EXPECT_NE(error_of([&] { s.index_for_timestep(123.0); }).find("not in the schedule"), std::string::npos);
  s.set_begin_index(1);
  const at::Tensor sample = at::ones({2}), velocity = at::ones({2});
  // Begin index 1: sigma 0.5 -> 0.5, so the sample does not move.
  EXPECT_TRUE(at::allclose(s.step(velocity, 1000.0, sample), sample));
  EXPECT_EQ(s.step_index(), 2);
}

TEST(FlowMatchEulerSchedulerTest, StochasticSamplingRenoisesFromTheGenerator) {
  auto s = scheduler(R"({"stochastic_sampling": true})");
  FlowMatchTimestepsRequest r;
  r.sigmas = std::vector<double>{1.0, 0.5};
  s.set_timesteps(r);
  const at::Tensor sample = at::ones({3}), velocity = at::ones({3}).mul(0.5);
  EXPECT_NE(error_of([&] { s.step(velocity, 1000.0, sample); }).find("needs a generator"), std::string::npos);
  at::Tensor next = s.step(velocity, 1000.0, sample, at::detail::createCPUGenerator(11));
  // x0 = 1 - 1 * 0.5 = 0.5; next = 0.5 * x0 + 0.5 * noise.
  at::Generator g = at::detail::createCPUGenerator(11);
  const at::Tensor noise = at::randn({3}, g);
  EXPECT_TRUE(at::allclose(next, noise.mul(0.5).add(0.25)));
}

TEST(FlowMatchEulerSchedulerTest, MuFromSequenceLength) {
  auto s =
      scheduler(R"({"base_image_seq_len": 1024, "max_image_seq_len": 4096, "base_shift": 0.95, "max_shift": 2.05})");
  EXPECT_NEAR(s.mu_for_sequence_length(1024), 0.95, 1e-12);
  EXPECT_NEAR(s.mu_for_sequence_length(4096), 2.05, 1e-12);
  auto no_shift = scheduler(R"({"base_shift": null})");
  EXPECT_NE(error_of([&] { no_shift.mu_for_sequence_length(10); }).find("base_shift"), std::string::npos);
}

TEST(FlowMatchEulerSchedulerTest, ConfigErrorsNameTheKey) {
  EXPECT_NE(error_of([] { scheduler(R"({"shift": "3"})"); }).find("'shift': expected a number"), std::string::npos);
  EXPECT_NE(error_of([] { scheduler(R"({"num_train_timesteps": 1.5})"); }).find("'num_train_timesteps'"),
            std::string::npos);
  const std::string unknown = error_of([] { scheduler(R"({"sigma_min": 0.1})"); });
  EXPECT_NE(unknown.find("test config"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("'sigma_min'"), std::string::npos) << unknown;
  EXPECT_NE(error_of([] { scheduler(R"({"time_shift_type": "cubic"})"); }).find("cubic"), std::string::npos);
  EXPECT_NE(error_of([] { scheduler(R"({"use_beta_sigmas": true})"); }).find("not supported"), std::string::npos);
  EXPECT_NE(
      error_of([] { scheduler(R"({"use_karras_sigmas": true, "use_exponential_sigmas": true})"); }).find("only one of"),
      std::string::npos);
  EXPECT_NE(error_of([] { scheduler("[1, 2]"); }).find("expected a JSON object"), std::string::npos);
  // Metadata keys and null optionals are accepted.
  EXPECT_FALSE(scheduler(R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "shift_terminal": null})")
                   .config()
                   .shift_terminal.has_value());
}

}  // namespace
}  // namespace finetrain
