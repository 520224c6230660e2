#include "training/lr_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "finetrain/error.hpp"

using finetrain::host::lr_multiplier;
using finetrain::host::LrScheduleSettings;

namespace {
LrScheduleSettings settings(const std::string& name, int64_t warmup, int64_t total) {
  LrScheduleSettings s;
  s.name = name;
  s.warmup_steps = warmup;
  s.total_steps = total;
  return s;
}
}  // namespace

TEST(LrScheduleTest, WarmupIsLinearFromZero) {
  for (const char* name : {"constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial"}) {
    auto s = settings(name, 10, 100);
    EXPECT_DOUBLE_EQ(lr_multiplier(s, 1e-4, 0), 0.0) << name;
    EXPECT_DOUBLE_EQ(lr_multiplier(s, 1e-4, 5), 0.5) << name;
    EXPECT_DOUBLE_EQ(lr_multiplier(s, 1e-4, 10), 1.0) << name;
  }
  EXPECT_DOUBLE_EQ(lr_multiplier(settings("constant", 10, 100), 1e-4, 0), 1.0);
}

TEST(LrScheduleTest, DecaysMatchDiffusersFormulas) {
  EXPECT_DOUBLE_EQ(lr_multiplier(settings("linear", 10, 100), 1e-4, 55), 45.0 / 90.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(settings("linear", 10, 100), 1e-4, 100), 0.0);
  EXPECT_NEAR(lr_multiplier(settings("cosine", 0, 100), 1e-4, 50), 0.5, 1e-12);
  EXPECT_NEAR(lr_multiplier(settings("cosine", 0, 100), 1e-4, 100), 0.0, 1e-12);
  auto restarts = settings("cosine_with_restarts", 0, 100);
  restarts.num_cycles = 2;
  EXPECT_NEAR(lr_multiplier(restarts, 1e-4, 49), 0.5 * (1 + std::cos(M_PI * 0.98)), 1e-12);
  EXPECT_NEAR(lr_multiplier(restarts, 1e-4, 50), 1.0, 1e-12);  // the hard restart
  auto poly = settings("polynomial", 0, 100);
  poly.power = 2;
  poly.lr_end = 1e-5;
  EXPECT_NEAR(lr_multiplier(poly, 1e-4, 50), ((1e-4 - 1e-5) * 0.25 + 1e-5) / 1e-4, 1e-12);
  EXPECT_NEAR(lr_multiplier(poly, 1e-4, 150), 0.1, 1e-12);
}

TEST(LrScheduleTest, RejectsUnknownNamesAndBadPolynomialEnd) {
  EXPECT_THROW(lr_multiplier(settings("cosinus", 0, 10), 1e-4, 1), finetrain::Error);
  auto poly = settings("polynomial", 0, 10);
  poly.lr_end = 1.0;
  EXPECT_THROW(lr_multiplier(poly, 1e-4, 1), finetrain::Error);
}
