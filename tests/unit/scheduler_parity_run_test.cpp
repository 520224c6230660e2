// The scheduler side of check-parity on synthetic fixture folders: folder layouts, the SDK
// builders' handling of a case, orphan references and failing cases.
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "finetrain/flow_match_euler_scheduler.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/scheduler_parity.hpp"
#include "parity/builder_catalog.hpp"
#include "parity/check_parity.hpp"
#include "parity/fixture_folder.hpp"
#include "parity/parity_output.hpp"
#include "test_support.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCase =
    R"({"config": {"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 1.0},
        "set_timesteps": {"num_inference_steps": null, "sigmas": [1.0, 0.5]}})";

// Scratch folders of this test, removed at exit.
struct ScratchFolders {
  ~ScratchFolders() {
    for (const auto& p : paths) fs::remove_all(p);
  }
  std::vector<fs::path> paths;
} scratch;

fs::path folder_with_config(const std::string& tag, const std::string& config) {
  const fs::path dir = testing::make_temp_dir(tag);
  scratch.paths.push_back(dir);
  std::ofstream(dir / "config.json") << config;
  return dir;
}

using finetrain::testing::error_of;

TEST(SchedulerParityRunTest, FolderLayouts) {
  auto single = FixtureFolder::open(folder_with_config("layout-single", kCase).string());
  EXPECT_EQ(single.kind, FixtureKind::Scheduler);
  EXPECT_EQ(single.class_name, "FlowMatchEulerDiscreteScheduler");
  ASSERT_EQ(single.cases.size(), 1u);
  EXPECT_EQ(single.cases[0].name, "");
  auto named = FixtureFolder::open(
      folder_with_config("layout-named", std::string(R"({"b": )") + kCase + R"(, "a": )" + kCase + "}").string());
  ASSERT_EQ(named.cases.size(), 2u);
  EXPECT_EQ(named.cases[0].name, "b");  // config.json order
  auto component = FixtureFolder::open(folder_with_config("layout-component", R"({"_class_name": "X"})").string());
  EXPECT_EQ(component.kind, FixtureKind::Component);
  EXPECT_NE(error_of([] {
              FixtureFolder::open(folder_with_config("layout-bad", R"({"a": 1})").string());
            }).find("case \"a\""),
            std::string::npos);
  const std::string mixed =
      std::string(R"({"a": )") + kCase + R"(, "b": {"config": {"_class_name": "CogVideoXDDIMScheduler"}}})";
  EXPECT_NE(error_of([&] { FixtureFolder::open(folder_with_config("layout-mixed", mixed).string()); }).find("differs"),
            std::string::npos);
  EXPECT_NE(error_of([] { FixtureFolder::open(folder_with_config("layout-json", "{").string()); }).find("invalid JSON"),
            std::string::npos);
}

TEST(SchedulerParityRunTest, FlowMatchBuilderRunsTheDocumentedCall) {
  auto component = flow_match_euler_parity_builder().build(kCase, c10::Device(c10::kCPU));
  EXPECT_EQ(component->module(), nullptr);
  const at::Tensor sample = at::ones({2}), velocity = at::ones({2});
  TensorMap out = component->run({{"sample0", sample}, {"step0.model_output", velocity}}, "");
  FlowMatchEulerDiscreteScheduler reference(FlowMatchEulerDiscreteConfig{});
  FlowMatchTimestepsRequest request;
  request.sigmas = std::vector<double>{1.0, 0.5};
  reference.set_timesteps(request);
  EXPECT_TRUE(at::equal(out.at("sigmas"), reference.sigmas()));
  EXPECT_TRUE(at::equal(out.at("timesteps"), reference.timesteps()));
  EXPECT_TRUE(at::equal(out.at("step0.prev_sample"), sample.sub(velocity.mul(0.5))));
  EXPECT_EQ(out.count("step1.prev_sample"), 0u);
  // A step without its sample, and kwargs set_timesteps does not take, are errors.
  EXPECT_NE(error_of([&] {
              component->run({{"step0.model_output", velocity}}, "");
            }).find("sample0"),
            std::string::npos);
  const std::string bad = R"({"config": {}, "set_timesteps": {"num_inference_steps": 2, "device": "cpu"}})";
  EXPECT_NE(error_of([&] { flow_match_euler_parity_builder().build(bad, c10::Device(c10::kCPU)); }).find("'device'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              cogvideox_ddim_parity_builder().build(R"({"config": {}})", c10::Device(c10::kCPU));
            }).find("num_inference_steps"),
            std::string::npos);
}

TEST(SchedulerParityRunTest, OrphanReferencesAndFailingCasesAreFailedRows) {
  const fs::path dir = folder_with_config(
      "scheduler-run", std::string(R"({"ok": )") + kCase +
                           R"(, "broken": {"config": {"_class_name": "FlowMatchEulerDiscreteScheduler",
                                                       "use_dynamic_shifting": true},
                                           "set_timesteps": {"num_inference_steps": 2}}})");
  TensorMap io{{"ok.sigmas", at::tensor({1.0f, 0.5f, 0.0f})},
               {"ok.timesteps", at::tensor({1000.0f, 500.0f})},
               {"broken.sigmas", at::tensor({1.0f, 0.0f})},
               {"stray.sigmas", at::tensor({1.0f})}};
  safetensors::save((dir / "io.safetensors").string(), io);
  const ParityReport report = check_parity(dir.string(), BuilderCatalog::collect(nullptr));
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.rows.size(), 4u) << parity_table(report);
  for (const auto& row : report.rows) {
    if (row.tensor.rfind("ok.", 0) == 0) {
      EXPECT_TRUE(row.passed) << row.tensor << ": " << row.error;
    } else if (row.tensor == "broken.sigmas") {
      EXPECT_NE(row.error.find("case 'broken'"), std::string::npos) << row.error;
      EXPECT_NE(row.error.find("mu must be given"), std::string::npos) << row.error;
    } else {
      EXPECT_EQ(row.tensor, "stray.sigmas");
      EXPECT_EQ(row.error, "belongs to no case of config.json");
    }
  }
  EXPECT_EQ(report.failed_rows(), 2u);
}

}  // namespace
}  // namespace finetrain::host
