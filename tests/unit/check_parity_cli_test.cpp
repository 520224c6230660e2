// `finetrain check-parity` as a user runs it: exit codes, the table, --json, and a fixture whose
// reference was perturbed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "finetrain/safetensors.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;

int check_parity(const std::string& args, std::string* output) {
  return testing::run_command(testing::finetrain_executable() + " check-parity " + args, output, 120);
}

// The output line of the table row for `tensor`.
std::string table_line(const std::string& output, const std::string& tensor) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(tensor + " ", 0) == 0) return line;
  return "";
}

TEST(CheckParityCliTest, FlowMatchEulerFixturePasses) {
  FT_REQUIRE_FIXTURE(dir, "schedulers/flow_match_euler");
  std::string output;
  EXPECT_EQ(check_parity(dir, &output), 0) << output;
  EXPECT_NE(table_line(output, "ltx_dynamic_terminal.sigmas").find("pass"), std::string::npos) << output;
  EXPECT_NE(output.find("PASS: 12 of 12 tensors within tolerance"), std::string::npos) << output;
}

TEST(CheckParityCliTest, JsonOutput) {
  FT_REQUIRE_FIXTURE(dir, "schedulers/cogvideox_ddim");
  std::string output;
  ASSERT_EQ(check_parity(dir + " --json", &output), 0) << output;
  const auto json = nlohmann::json::parse(output);
  EXPECT_TRUE(json["passed"].get<bool>());
  EXPECT_EQ(json["class_name"], "CogVideoXDDIMScheduler");
  EXPECT_EQ(json["kind"], "scheduler");
  EXPECT_EQ(json["rows"].size(), 7u);
  EXPECT_EQ(json["summary"]["failed"], 0);
}

TEST(CheckParityCliTest, PerturbedReferenceFailsAndNamesTheTensor) {
  FT_REQUIRE_FIXTURE(source, "schedulers/flow_match_euler");
  const fs::path dir = testing::make_temp_dir("check-parity-perturbed");
  fs::copy_file(fs::path(source) / "config.json", dir / "config.json");
  fs::copy_file(fs::path(source) / "README.md", dir / "README.md");
  auto io = safetensors::File::open((fs::path(source) / "io.safetensors").string());
  TensorMap tensors;
  for (const auto& info : io->tensors()) tensors[info.name] = io->tensor(info.name).clone();
  tensors["static_shift3.sigmas"][3].add_(1e-4);  // 100x the sigma tolerance
  safetensors::save((dir / "io.safetensors").string(), tensors, io->metadata());

  std::string output;
  EXPECT_EQ(check_parity(dir.string(), &output), 1) << output;
  EXPECT_NE(table_line(output, "static_shift3.sigmas").find("FAIL"), std::string::npos) << output;
  EXPECT_NE(table_line(output, "static_shift3.timesteps").find("pass"), std::string::npos) << output;
  EXPECT_NE(output.find("FAIL: 11 of 12 tensors within tolerance"), std::string::npos) << output;

  ASSERT_EQ(check_parity(dir.string() + " --json", &output), 1) << output;
  const auto json = nlohmann::json::parse(output);
  EXPECT_FALSE(json["passed"].get<bool>());
  EXPECT_EQ(json["summary"]["failed"], 1);
  fs::remove_all(dir);
}

TEST(CheckParityCliTest, UnknownClassListsTheKnownOnes) {
  const fs::path dir = testing::make_temp_dir("check-parity-unknown");
  std::ofstream(dir / "config.json") << R"({"_class_name": "NoSuchTransformer3DModel"})";
  std::string output;
  EXPECT_EQ(check_parity(dir.string(), &output), 1) << output;
  EXPECT_NE(output.find("no builder for _class_name 'NoSuchTransformer3DModel'"), std::string::npos) << output;
  EXPECT_NE(output.find("FlowMatchEulerDiscreteScheduler"), std::string::npos) << output;
  EXPECT_NE(output.find("CogVideoXDDIMScheduler"), std::string::npos) << output;
  EXPECT_EQ(check_parity((dir / "absent").string(), &output), 1) << output;
  EXPECT_NE(output.find("not a directory"), std::string::npos) << output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace finetrain
