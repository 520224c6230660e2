// Tolerances read from fixture READMEs, and the comparison every parity row uses.
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "parity/compare_tensors.hpp"
#include "parity/tolerances.hpp"

namespace finetrain::host {
namespace {

TEST(ParityTolerancesTest, ComponentReadme) {
  auto t = tolerances_from_readme(
      "Suggested check for a float32 reimplementation: outputs `atol=2.5e-05, rtol=1e-4`; gradients `atol=0.00025, "
      "rtol=1e-3` (20x the worst measured deviation)");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->outputs.atol, 2.5e-05);
  EXPECT_EQ(t->outputs.rtol, 1e-4);
  EXPECT_EQ(t->gradients.atol, 0.00025);
  EXPECT_EQ(t->gradients.rtol, 1e-3);
  EXPECT_FALSE(tolerances_from_readme("no tolerance here").has_value());
}

TEST(ParityTolerancesTest, SchedulerReadmeStatementsAndDefaults) {
  auto flow = quantity_tolerances_from_readme(
      "Tolerance: these are closed-form float32/float64 computations; expect `atol=1e-6` on sigmas and `atol=1e-4` on "
      "timesteps (values up to 1000).");
  EXPECT_EQ(flow.stated.size(), 2u);
  EXPECT_EQ(flow.for_tensor("sigmas").atol, 1e-6);
  EXPECT_EQ(flow.for_tensor("timesteps").atol, 1e-4);
  EXPECT_EQ(flow.for_tensor("step0.prev_sample").atol, 1e-5);  // default for steps
  auto ddim = quantity_tolerances_from_readme("Expected tolerance: `atol=1e-6` (alphas_cumprod), `atol=2e-5` (steps).");
  EXPECT_EQ(ddim.for_tensor("alphas_cumprod").atol, 1e-6);
  EXPECT_EQ(ddim.for_tensor("step1.pred_original_sample").atol, 2e-5);
  EXPECT_EQ(ddim.for_tensor("betas").atol, 1e-6);  // default
  auto with_rtol = quantity_tolerances_from_readme("`atol=1e-3, rtol=0.01` on sigmas");
  EXPECT_EQ(with_rtol.for_tensor("sigmas").rtol, 0.01);
  EXPECT_EQ(QuantityTolerances::default_for("something_else").atol, 1e-5);
}

TEST(ParityTolerancesTest, QuantityOfATensorName) {
  EXPECT_EQ(parity_quantity("sigmas"), "sigmas");
  EXPECT_EQ(parity_quantity("step12.prev_sample"), "steps");
  EXPECT_EQ(parity_quantity("alphas_cumprod"), "alphas_cumprod");
  EXPECT_EQ(parity_quantity("stepper.x"), "stepper");
}

TEST(CompareTensorsTest, BoundIsAtolPlusRtolTimesMaxRef) {
  const at::Tensor ref = at::tensor({1.0f, -4.0f});
  ParityRow row = compare_tensors("x", at::tensor({1.0f, -4.04f}), ref, {0.01, 0.01});
  EXPECT_NEAR(row.max_abs_diff, 0.04, 1e-6);
  EXPECT_DOUBLE_EQ(row.max_ref, 4.0);
  EXPECT_DOUBLE_EQ(row.bound, 0.05);
  EXPECT_TRUE(row.passed);
  EXPECT_FALSE(compare_tensors("x", at::tensor({1.0f, -4.06f}), ref, {0.01, 0.01}).passed);
}

TEST(CompareTensorsTest, NaNShapeAndMissingNeverPass) {
  const at::Tensor ref = at::tensor({1.0f, 2.0f});
  EXPECT_FALSE(compare_tensors("x", at::tensor({1.0f, std::numeric_limits<float>::quiet_NaN()}), ref, {1e3, 0}).passed);
  ParityRow shape = compare_tensors("x", at::tensor({1.0f, 2.0f, 3.0f}), ref, {1e3, 0});
  EXPECT_FALSE(shape.passed);
  EXPECT_EQ(shape.error, "shape [3], reference [2]");
  ParityRow missing = compare_tensors("x", at::Tensor(), ref, {1e3, 0});
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.error, "not produced");
}

}  // namespace
}  // namespace finetrain::host
