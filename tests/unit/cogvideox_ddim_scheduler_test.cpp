// CogVideoXDDIMScheduler beyond the parity fixture's configuration: beta schedules, SNR shift and
// rescale, every timestep spacing, the DDIM step against its closed form, add_noise/get_velocity.
#include "finetrain/cogvideox_ddim_scheduler.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/cumprod.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"

namespace finetrain {
namespace {

CogVideoXDDIMScheduler scheduler(const std::string& json) {
  return CogVideoXDDIMScheduler::from_config_json(json, "test config");
}

std::vector<int64_t> timesteps_of(const std::string& json, int64_t n) {
  auto s = scheduler(json);
  s.set_timesteps(n);
  const at::Tensor t = s.timesteps().contiguous();
  EXPECT_EQ(t.scalar_type(), at::kLong);
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

using finetrain::testing::error_of;

TEST(CogVideoXDDIMSchedulerTest, BetaSchedules) {
  auto linear =
      scheduler(R"({"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02, "snr_shift_scale": 1.0})");
  EXPECT_EQ(linear.betas().scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(linear.betas()[0].item<float>(), 0.0001f);
  EXPECT_FLOAT_EQ(linear.betas()[999].item<float>(), 0.02f);
  // scaled_linear: float64 squares of a linspace between the square roots.
  auto scaled = scheduler(R"({"snr_shift_scale": 1.0})");
  EXPECT_EQ(scaled.betas().scalar_type(), at::kDouble);
  EXPECT_NEAR(scaled.betas()[0].item<double>(), 0.00085, 1e-15);
  const double mid_root = std::sqrt(0.00085) + (std::sqrt(0.012) - std::sqrt(0.00085)) * 500 / 999;
  EXPECT_NEAR(scaled.betas()[500].item<double>(), mid_root * mid_root, 1e-15);
  // squaredcos_cap_v2: 1 - alpha_bar(t2) / alpha_bar(t1), alpha_bar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2.
  auto cosine = scheduler(R"({"beta_schedule": "squaredcos_cap_v2", "num_train_timesteps": 10})");
  const auto alpha_bar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
  EXPECT_FLOAT_EQ(cosine.betas()[3].item<float>(), static_cast<float>(1 - alpha_bar(0.4) / alpha_bar(0.3)));
  EXPECT_FLOAT_EQ(cosine.betas()[9].item<float>(), 0.999f);  // clipped at max_beta
  auto trained = scheduler(R"({"trained_betas": [0.1, 0.2, 0.3], "num_train_timesteps": 3, "snr_shift_scale": 1.0})");
  EXPECT_TRUE(at::allclose(trained.alphas_cumprod(), at::tensor({0.9f, 0.72f, 0.504f})));
}

TEST(CogVideoXDDIMSchedulerTest, SnrShiftAndZeroTerminalRescale) {
  auto plain = scheduler(R"({"snr_shift_scale": 1.0})");
  const at::Tensor cumprod = at::cumprod(plain.betas().neg().add(1), 0);
  EXPECT_TRUE(at::allclose(plain.alphas_cumprod(), cumprod, 0, 1e-15));
  // a / (s + (1 - s) a) with s = 3.
  auto shifted = scheduler(R"({"snr_shift_scale": 3.0})");
  EXPECT_TRUE(at::allclose(shifted.alphas_cumprod(), cumprod.div(cumprod.mul(-2).add(3)), 0, 1e-15));
  // Zero terminal SNR: the last becomes exactly 0, the first keeps its value.
  auto rescaled = scheduler(R"({"snr_shift_scale": 3.0, "rescale_betas_zero_snr": true})");
  EXPECT_EQ(rescaled.alphas_cumprod()[999].item<double>(), 0.0);
  EXPECT_NEAR(rescaled.alphas_cumprod()[0].item<double>(), shifted.alphas_cumprod()[0].item<double>(), 1e-15);
  EXPECT_EQ(rescaled.final_alpha_cumprod().item<double>(), 1.0);
  auto no_alpha_one = scheduler(R"({"set_alpha_to_one": false})");
  EXPECT_EQ(no_alpha_one.final_alpha_cumprod().item<double>(), no_alpha_one.alphas_cumprod()[0].item<double>());
}

TEST(CogVideoXDDIMSchedulerTest, TimestepSpacings) {
  EXPECT_EQ(scheduler("{}").timesteps().size(0), 1000);
  EXPECT_EQ(timesteps_of(R"({"timestep_spacing": "trailing"})", 10),
            (std::vector<int64_t>{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}));
  // 1000 / 3 = 333.33...: arange(1000, 0, -333.33) = [1000, 666.67, 333.33] -> rounded, minus 1.
  EXPECT_EQ(timesteps_of(R"({"timestep_spacing": "trailing"})", 3), (std::vector<int64_t>{999, 666, 332}));
  EXPECT_EQ(timesteps_of(R"({"timestep_spacing": "leading", "steps_offset": 1})", 4),
            (std::vector<int64_t>{751, 501, 251, 1}));
  EXPECT_EQ(timesteps_of(R"({"timestep_spacing": "linspace"})", 4), (std::vector<int64_t>{999, 666, 333, 0}));
  // linspace(0, 9, 3) = [0, 4.5, 9]: numpy rounds half to even.
  EXPECT_EQ(timesteps_of(R"({"timestep_spacing": "linspace", "num_train_timesteps": 10})", 3),
            (std::vector<int64_t>{9, 4, 0}));
  auto s = scheduler("{}");
  EXPECT_NE(error_of([&] { s.set_timesteps(1001); }).find("[1, 1000]"), std::string::npos);
}

// The DDIM step of a perfect prediction lands on the forward process at the previous timestep.
void expect_exact_prediction_is_consistent(const std::string& prediction_type) {
  auto s = scheduler(R"({"prediction_type": ")" + prediction_type +
                     R"(", "timestep_spacing": "trailing", "rescale_betas_zero_snr": true})");
  s.set_timesteps(10);
  at::Generator g = at::detail::createCPUGenerator(9);
  const at::Tensor x0 = at::randn({2, 3, 2, 2}, g).to(at::kDouble);
  const at::Tensor noise = at::randn({2, 3, 2, 2}, g).to(at::kDouble);
  for (int64_t t : {899L, 399L, 99L}) {
    const at::Tensor ts = at::tensor({t, t});
    const at::Tensor xt = s.add_noise(x0, noise, ts);
    const at::Tensor output = prediction_type == "epsilon"  ? noise
                              : prediction_type == "sample" ? x0
                                                            : s.get_velocity(x0, noise, ts);
    auto step = s.step(output, t, xt);
    EXPECT_TRUE(at::allclose(step.pred_original_sample, x0, 1e-9, 1e-9)) << prediction_type << " t=" << t;
    const int64_t prev = t - 100;
    const at::Tensor expected = prev >= 0 ? s.add_noise(x0, noise, at::tensor({prev, prev})) : x0;
    EXPECT_TRUE(at::allclose(step.prev_sample, expected, 1e-9, 1e-9)) << prediction_type << " t=" << t;
  }
}

TEST(CogVideoXDDIMSchedulerTest, StepOfAnExactPredictionFollowsTheForwardProcess) {
  expect_exact_prediction_is_consistent("v_prediction");
  expect_exact_prediction_is_consistent("epsilon");
  expect_exact_prediction_is_consistent("sample");
}

TEST(CogVideoXDDIMSchedulerTest, VPredictionStepClosedForm) {
  auto s = scheduler(R"({"prediction_type": "v_prediction", "timestep_spacing": "trailing"})");
  s.set_timesteps(10);
  const at::Tensor sample = at::tensor({0.5f, -1.0f}), v = at::tensor({0.25f, 2.0f});
  auto step = s.step(v, 599, sample);
  const double a = s.alphas_cumprod()[599].item<double>(), a_prev = s.alphas_cumprod()[499].item<double>();
  const auto x0 = [&](double x, double vv) { return std::sqrt(a) * x - std::sqrt(1 - a) * vv; };
  const double a_t = std::sqrt((1 - a_prev) / (1 - a)), b_t = std::sqrt(a_prev) - std::sqrt(a) * a_t;
  EXPECT_NEAR(step.pred_original_sample[0].item<float>(), x0(0.5, 0.25), 1e-6);
  EXPECT_NEAR(step.prev_sample[1].item<float>(), a_t * -1.0 + b_t * x0(-1.0, 2.0), 1e-6);
  EXPECT_EQ(step.prev_sample.scalar_type(), at::kFloat);
}

TEST(CogVideoXDDIMSchedulerTest, MisuseIsAnError) {
  auto s = scheduler("{}");
  const at::Tensor x = at::randn({2, 2});
  EXPECT_NE(error_of([&] { s.step(x, 10, x); }).find("set_timesteps"), std::string::npos);
  s.set_timesteps(10);
  EXPECT_NE(error_of([&] { s.step(x, 1000, x); }).find("outside"), std::string::npos);
  EXPECT_NE(error_of([&] { s.add_noise(x, x, at::tensor({1.5f, 2.0f})); }).find("integers"), std::string::npos);
  EXPECT_NE(error_of([&] { s.add_noise(x, x, at::tensor({5L, 1000L})); }).find("[0, 1000)"), std::string::npos);
  EXPECT_NE(error_of([] { scheduler(R"({"beta_schedule": "sigmoid"})"); }).find("'beta_schedule'"), std::string::npos);
  EXPECT_NE(error_of([] { scheduler(R"({"thresholding": true})"); }).find("'thresholding'"), std::string::npos);
  EXPECT_NE(error_of([] { scheduler(R"({"trained_betas": [0.1], "num_train_timesteps": 2})"); }).find("trained_betas"),
            std::string::npos);
}

}  // namespace
}  // namespace finetrain
