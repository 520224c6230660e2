// Both scheduler fixtures through the code `finetrain check-parity` runs (check_parity with the
// SDK's builders), at the tolerances their READMEs state.
#include <gtest/gtest.h>

#include <map>

#include "parity/builder_catalog.hpp"
#include "parity/check_parity.hpp"
#include "parity/parity_output.hpp"
#include "test_support.hpp"

namespace finetrain::host {
namespace {

std::map<std::string, ParityRow> rows_by_name(const ParityReport& report) {
  std::map<std::string, ParityRow> rows;
  for (const auto& r : report.rows) rows[r.tensor] = r;
  return rows;
}

TEST(SchedulerParityTest, FlowMatchEulerMatchesDiffusers) {
  FT_REQUIRE_FIXTURE(dir, "schedulers/flow_match_euler");
  const ParityReport report = check_parity(dir, BuilderCatalog::collect(nullptr));
  EXPECT_TRUE(report.passed()) << parity_table(report);
  EXPECT_EQ(report.kind, FixtureKind::Scheduler);
  EXPECT_EQ(report.class_name, "FlowMatchEulerDiscreteScheduler");
  // 3 cases x (timesteps, sigmas, step0.prev_sample, step1.prev_sample).
  EXPECT_EQ(report.rows.size(), 12u) << parity_table(report);
  auto rows = rows_by_name(report);
  // Tolerances from the README ("`atol=1e-6` on sigmas and `atol=1e-4` on timesteps"); steps: default.
  EXPECT_EQ(rows["ltx_dynamic_terminal.sigmas"].tolerance.atol, 1e-6);
  EXPECT_EQ(rows["flux_dynamic.timesteps"].tolerance.atol, 1e-4);
  EXPECT_EQ(rows["static_shift3.step1.prev_sample"].tolerance.atol, 1e-5);
}

TEST(SchedulerParityTest, CogVideoXDDIMMatchesDiffusers) {
  FT_REQUIRE_FIXTURE(dir, "schedulers/cogvideox_ddim");
  const ParityReport report = check_parity(dir, BuilderCatalog::collect(nullptr));
  EXPECT_TRUE(report.passed()) << parity_table(report);
  EXPECT_EQ(report.class_name, "CogVideoXDDIMScheduler");
  // alphas_cumprod, betas, timesteps, step<i>.{prev_sample, pred_original_sample} for i = 0, 1.
  EXPECT_EQ(report.rows.size(), 7u) << parity_table(report);
  auto rows = rows_by_name(report);
  EXPECT_EQ(rows["alphas_cumprod"].tolerance.atol, 1e-6);
  EXPECT_EQ(rows["step1.pred_original_sample"].tolerance.atol, 1e-5);
}

}  // namespace
}  // namespace finetrain::host
