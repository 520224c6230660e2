// Flow-matching training utilities: sigma sampling (stream, moments, determinism), shifts against
// hand-computed values, loss weighting and noising.
#include "finetrain/flow_matching.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/rsub.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <gtest/gtest.h>

#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain {
namespace {

at::Generator generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

double mean(const at::Tensor& t) { return t.to(at::kDouble).mean().item<double>(); }
double variance(const at::Tensor& t) { return t.to(at::kDouble).var(/*unbiased=*/false).item<double>(); }
double fraction_below(const at::Tensor& t, double v) { return t.lt(v).to(at::kDouble).mean().item<double>(); }

at::Tensor doubles(std::vector<double> values) { return at::tensor(values, at::kDouble); }

SigmaSampling scheme(SigmaSamplingScheme s, double logit_mean = 0.0, double logit_std = 1.0, double mode_scale = 1.29) {
  SigmaSampling sampling;
  sampling.scheme = s;
  sampling.logit_mean = logit_mean;
  sampling.logit_std = logit_std;
  sampling.mode_scale = mode_scale;
  return sampling;
}

constexpr int64_t kDraws = 200000;

TEST(SigmaSamplingTest, UsesTorchsStreamLikeDiffusers) {
  // torch.manual_seed(0); torch.rand(3) -> [0.4963, 0.7682, 0.0885]; torch.randn(3) -> [1.5410, -0.2934, -2.1788].
  at::Tensor u = sample_timestep_density(scheme(SigmaSamplingScheme::Uniform), {3}, generator(0));
  EXPECT_TRUE(at::allclose(u, at::tensor({0.4963f, 0.7682f, 0.0885f}), 0, 1e-4)) << u;
  at::Tensor l = sample_timestep_density(scheme(SigmaSamplingScheme::LogitNormal), {3}, generator(0));
  at::Tensor expected = at::tensor({1.5410f, -0.2934f, -2.1788f}).sigmoid();
  EXPECT_TRUE(at::allclose(l, expected, 0, 1e-4)) << l;
  EXPECT_EQ(u.scalar_type(), at::kFloat);
}

TEST(SigmaSamplingTest, UniformMoments) {
  at::Tensor u = sample_timestep_density(scheme(SigmaSamplingScheme::Uniform), {kDraws}, generator(1));
  EXPECT_NEAR(mean(u), 0.5, 0.005);
  EXPECT_NEAR(variance(u), 1.0 / 12.0, 0.002);
  EXPECT_GE(u.min().item<float>(), 0.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
}

TEST(SigmaSamplingTest, LogitNormalMedianAndSpread) {
  // sigmoid is monotone: the median of sigmoid(N(m, s)) is sigmoid(m); one std either side holds ~68.3%.
  const double m = 0.7, s = 0.5;
  at::Tensor u = sample_timestep_density(scheme(SigmaSamplingScheme::LogitNormal, m, s), {kDraws}, generator(2));
  const auto sigmoid = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  EXPECT_NEAR(fraction_below(u, sigmoid(m)), 0.5, 0.005);
  EXPECT_NEAR(fraction_below(u, sigmoid(m + s)) - fraction_below(u, sigmoid(m - s)), 0.6827, 0.005);
  EXPECT_GT(u.min().item<float>(), 0.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
}

TEST(SigmaSamplingTest, ModeMoments) {
  // f(v) = 1 - v - s (cos^2(pi v / 2) - 1 + v), v ~ U[0, 1): mean 1/2 and
  // variance (1 + s)^2 / 12 - 2 s (1 + s) / pi^2 + s^2 / 8 (by direct integration).
  for (double s : {0.0, 1.29}) {
    at::Tensor u = sample_timestep_density(scheme(SigmaSamplingScheme::Mode, 0, 1, s), {kDraws}, generator(3));
    const double expected_var = (1 + s) * (1 + s) / 12 - 2 * s * (1 + s) / (M_PI * M_PI) + s * s / 8;
    EXPECT_NEAR(mean(u), 0.5, 0.005) << "mode_scale " << s;
    EXPECT_NEAR(variance(u), expected_var, 0.02 * expected_var) << "mode_scale " << s;
  }
}

TEST(SigmaSamplingTest, EqualGeneratorsGiveEqualSamples) {
  for (auto s : {SigmaSamplingScheme::Uniform, SigmaSamplingScheme::LogitNormal, SigmaSamplingScheme::Mode}) {
    at::Generator a = generator(42), b = generator(42), c = generator(43);
    at::Tensor first = sample_timestep_density(scheme(s), {4, 3}, a);
    EXPECT_EQ(first.sizes(), (at::IntArrayRef{4, 3}));
    EXPECT_TRUE(at::equal(first, sample_timestep_density(scheme(s), {4, 3}, b))) << to_string(s);
    EXPECT_FALSE(at::equal(first, sample_timestep_density(scheme(s), {4, 3}, c))) << to_string(s);
    // The generator advances: the next draw differs, and equals the other generator's next draw.
    at::Tensor second = sample_timestep_density(scheme(s), {4, 3}, a);
    EXPECT_FALSE(at::equal(first, second)) << to_string(s);
    EXPECT_TRUE(at::equal(second, sample_timestep_density(scheme(s), {4, 3}, b))) << to_string(s);
  }
}

TEST(SigmaSamplingTest, SchemeNames) {
  EXPECT_EQ(sigma_sampling_scheme_from_string("none"), SigmaSamplingScheme::Uniform);
  EXPECT_EQ(sigma_sampling_scheme_from_string("logit_normal"), SigmaSamplingScheme::LogitNormal);
  EXPECT_EQ(sigma_sampling_scheme_from_string("mode"), SigmaSamplingScheme::Mode);
  EXPECT_THROW(sigma_sampling_scheme_from_string("cosmap"), Error);
  EXPECT_THROW(sample_timestep_density(scheme(SigmaSamplingScheme::LogitNormal, 0, 0), {2}, generator(0)), Error);
}

TEST(FlowShiftTest, StaticShiftByHand) {
  // 3 * 0.5 / (1 + 2 * 0.5) = 0.75; 3 * 0.25 / (1 + 2 * 0.25) = 0.5; ends stay fixed.
  EXPECT_TRUE(at::allclose(shift_sigmas(doubles({0.0, 0.25, 0.5, 1.0}), 3.0), doubles({0.0, 0.5, 0.75, 1.0})));
  EXPECT_TRUE(at::allclose(shift_sigmas(doubles({0.2, 0.7}), 1.0), doubles({0.2, 0.7})));
  // shift < 1 moves sigmas down: 0.5 * 0.5 / (1 - 0.5 * 0.5) = 1/3.
  EXPECT_NEAR(shift_sigmas(doubles({0.5}), 0.5).item<double>(), 1.0 / 3.0, 1e-15);
  EXPECT_THROW(shift_sigmas(doubles({0.5}), 0.0), Error);
}

TEST(FlowShiftTest, MuInterpolatesBetweenBaseAndMax) {
  EXPECT_DOUBLE_EQ(resolution_shift_mu(256, 256, 4096, 0.5, 1.15), 0.5);
  EXPECT_NEAR(resolution_shift_mu(4096, 256, 4096, 0.5, 1.15), 1.15, 1e-12);
  EXPECT_NEAR(resolution_shift_mu(2176, 256, 4096, 0.5, 1.15), 0.825, 1e-12);  // midpoint
  EXPECT_NEAR(resolution_shift_mu(7936, 256, 4096, 0.5, 1.15), 1.8, 1e-12);    // extrapolated
  EXPECT_THROW(resolution_shift_mu(100, 256, 256, 0.5, 1.15), Error);
}

TEST(FlowShiftTest, ExponentialTimeShiftByHand) {
  // exp(mu) / (exp(mu) + (1/t - 1)^sigma): mu = ln 3, t = 0.5 -> 3/4; mu = 0 is the identity;
  // sigma = 2, t = 1/3, mu = ln 2 -> 2 / (2 + 4) = 1/3.
  EXPECT_NEAR(time_shift_exponential(doubles({0.5}), std::log(3.0)).item<double>(), 0.75, 1e-15);
  EXPECT_TRUE(at::allclose(time_shift_exponential(doubles({0.1, 0.4, 0.9}), 0.0), doubles({0.1, 0.4, 0.9})));
  EXPECT_NEAR(time_shift_exponential(doubles({1.0 / 3.0}), std::log(2.0), 2.0).item<double>(), 1.0 / 3.0, 1e-15);
  // The ends are fixed points: t = 1 -> 1, t = 0 -> 0.
  EXPECT_TRUE(at::allclose(time_shift_exponential(doubles({0.0, 1.0}), 1.3), doubles({0.0, 1.0})));
}

TEST(FlowShiftTest, ApplyDispatchesOnKind) {
  const at::Tensor s = doubles({0.25, 0.5});
  FlowShift none;
  EXPECT_TRUE(at::equal(none.apply(s, 0), s));
  FlowShift fixed;
  fixed.kind = FlowShift::Kind::Static;
  fixed.shift = 3.0;
  EXPECT_TRUE(at::allclose(fixed.apply(s, 0), doubles({0.5, 0.75})));
  FlowShift resolution;
  resolution.kind = FlowShift::Kind::ResolutionDependent;
  // seq_len 4096 with Flux defaults: mu = 1.15, t = 0.5 -> sigmoid(1.15) = 0.759510916949111.
  EXPECT_NEAR(resolution.apply(doubles({0.5}), 4096).item<double>(), 0.759510916949111, 1e-12);
  EXPECT_THROW(resolution.apply(s, 0), Error);
}

TEST(FlowShiftTest, SampleFlowSigmasShiftsTheSampledDensity) {
  FlowShift fixed;
  fixed.kind = FlowShift::Kind::Static;
  fixed.shift = 3.0;
  const SigmaSampling uniform = scheme(SigmaSamplingScheme::Uniform);
  at::Tensor sampled = sample_flow_sigmas(uniform, fixed, {8}, 0, generator(5));
  EXPECT_TRUE(at::allclose(sampled, shift_sigmas(sample_timestep_density(uniform, {8}, generator(5)), 3.0)));
}

TEST(LossWeightingTest, ValuesByHand) {
  const at::Tensor s = doubles({0.25, 0.5, 1.0});
  EXPECT_TRUE(at::equal(loss_weighting(LossWeighting::None, s), at::ones({3}, at::kDouble)));
  // sigma^-2, as float32.
  at::Tensor sqrt_weight = loss_weighting(LossWeighting::SigmaSqrt, s);
  EXPECT_EQ(sqrt_weight.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::allclose(sqrt_weight, at::tensor({16.0f, 4.0f, 1.0f})));
  // 2 / (pi (1 - 2 s + 2 s^2)): s = 0.25 -> 2 / (pi * 0.625); s = 0.5 -> 4 / pi; s = 1 -> 2 / pi.
  EXPECT_TRUE(
      at::allclose(loss_weighting(LossWeighting::CosMap, s), doubles({2 / (M_PI * 0.625), 4 / M_PI, 2 / M_PI})));
  EXPECT_EQ(loss_weighting_from_string("cosmap"), LossWeighting::CosMap);
  EXPECT_EQ(loss_weighting_from_string("sigma_sqrt"), LossWeighting::SigmaSqrt);
  EXPECT_THROW(loss_weighting_from_string("logit_normal"), Error);
}

TEST(NoisingTest, PerSampleSigmas) {
  const at::Tensor x0 = at::ones({2, 3, 2, 2, 2});
  const at::Tensor noise = at::zeros({2, 3, 2, 2, 2});
  at::Tensor xt = flow_match_noisy(x0, noise, at::tensor({0.25f, 0.75f}));
  EXPECT_TRUE(at::allclose(xt[0], at::ones({3, 2, 2, 2}).mul(0.75)));
  EXPECT_TRUE(at::allclose(xt[1], at::ones({3, 2, 2, 2}).mul(0.25)));
  EXPECT_TRUE(at::equal(flow_match_target(x0, noise), noise.sub(x0)));
}

TEST(NoisingTest, PerFrameAndPerTokenSigmas) {
  at::Generator g = generator(7);
  const at::Tensor x0 = at::randn({2, 3, 4, 2, 2}, g);
  const at::Tensor noise = at::randn({2, 3, 4, 2, 2}, g);
  const at::Tensor sigmas = at::rand({2, 4}, g);
  at::Tensor xt = flow_match_noisy(x0, noise, sigmas);
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t f = 0; f < 4; ++f) {
      const float s = sigmas[b][f].item<float>();
      at::Tensor expected = x0.select(0, b).select(1, f).mul(1 - s).add(noise.select(0, b).select(1, f).mul(s));
      EXPECT_TRUE(at::allclose(xt.select(0, b).select(1, f), expected, 1e-6, 1e-6)) << "b=" << b << " f=" << f;
    }
  }
  const at::Tensor tokens = at::randn({2, 5, 3}, g);
  const at::Tensor token_sigmas = at::rand({2, 5}, g);
  at::Tensor noisy_tokens = flow_match_noisy(tokens, at::zeros_like(tokens), token_sigmas);
  EXPECT_TRUE(at::allclose(noisy_tokens, tokens.mul(at::rsub(token_sigmas, 1).unsqueeze(-1))));
}

TEST(NoisingTest, MismatchedShapesAreErrors) {
  const at::Tensor x0 = at::zeros({2, 3, 4, 2, 2});
  EXPECT_THROW(flow_match_noisy(x0, x0, at::zeros({3})), Error);        // batch
  EXPECT_THROW(flow_match_noisy(x0, x0, at::zeros({2, 3})), Error);     // frames
  EXPECT_THROW(flow_match_noisy(x0, x0, at::zeros({2, 4, 1})), Error);  // rank
  EXPECT_THROW(flow_match_noisy(at::zeros({2, 3, 4, 4}), at::zeros({2, 3, 4, 4}), at::zeros({2, 3})), Error);
  EXPECT_THROW(flow_match_noisy(x0, at::zeros({2, 3, 4, 2, 1}), at::zeros({2})), Error);
  try {
    broadcast_sigmas(at::zeros({2, 3}), x0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 3, 4, 2, 2]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace finetrain
