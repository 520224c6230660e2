// `finetrain bench --model`: the real ltx-video plugin's training step timed in fp32 and bf16, with the
// machine facts a reader needs to compare numbers (threads, BLAS) and every promised column.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "test_support.hpp"

namespace finetrain {
namespace {

int bench(const std::string& args, std::string* output) {
  return testing::run_command(testing::finetrain_executable() + " --log-level warn bench " + args, output, 300);
}

TEST(ModelBenchCliTest, PrintsStepTimeThroughputAndPeakMemoryPerDtype) {
  std::string output;
  ASSERT_EQ(bench("--model ltx-video --preset tiny --frames 9 --height 64 --width 64 --warmup 1 --steps 2", &output), 0)
      << output;
  EXPECT_NE(output.find("model ltx-video (tiny), trainer sft"), std::string::npos) << output;
  EXPECT_NE(output.find("9 frames 64x64 px -> latents 2x2x2 (8 tokens)"), std::string::npos) << output;
  EXPECT_NE(output.find("threads "), std::string::npos) << output;
  EXPECT_NE(output.find("BLAS "), std::string::npos) << output;
  EXPECT_NE(output.find("median step s"), std::string::npos) << output;
  EXPECT_NE(output.find("samples/s"), std::string::npos) << output;
  EXPECT_NE(output.find("tokens/s"), std::string::npos) << output;
  EXPECT_NE(output.find("peak RSS MB"), std::string::npos) << output;
  // One row per dtype: the name, then four positive numbers.
  const std::regex row(R"(^(fp32|bf16)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9]+)\s*$)");
  std::istringstream lines(output);
  std::set<std::string> dtypes;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    dtypes.insert(m[1]);
    for (int i = 2; i <= 5; ++i) EXPECT_GT(std::stod(m[i]), 0.0) << line;
  }
  EXPECT_EQ(dtypes, (std::set<std::string>{"fp32", "bf16"})) << output;
}

TEST(ModelBenchCliTest, ABadShapeIsRefusedBeforeAnyWork) {
  std::string output;
  EXPECT_NE(bench("--model ltx-video --preset tiny --height 50 --steps 1", &output), 0);
  EXPECT_NE(output.find("data.height"), std::string::npos) << output;
}

}  // namespace
}  // namespace finetrain
