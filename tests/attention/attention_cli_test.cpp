// The attention verbs of the finetrain executable: `attention list` and `bench attention`.
#include <gtest/gtest.h>

#include <regex>

#include "test_support.hpp"

using finetrain::testing::finetrain_executable;
using finetrain::testing::run_command;

TEST(AttentionCli, ListShowsEveryBuiltInWithPriorityAndChecks) {
  std::string out;
  ASSERT_EQ(run_command(finetrain_executable() + " attention list", &out, 60), 0) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("sdpa +300 +built-in +dtype in \\{float32, bfloat16, float16\\}")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("chunked +200 +built-in"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("math +100 +built-in"))) << out;
  EXPECT_NE(out.find("[auto only] not bfloat16/float16 on CPU"), std::string::npos) << out;
}

TEST(AttentionCli, BenchReportsTimeAndAnHonestPeakPerBackend) {
  // L=2048: math holds several [H, L, L] float32 score tensors (64 MiB each); chunked holds one
  // [H, 256, 1024] tile. One process per case, so each peak is that backend's own.
  std::string out;
  ASSERT_EQ(run_command(finetrain_executable() +
                            " bench attention --seq-len 2048 --repeats 1 --threads 1 --dtype float32 "
                            "--backends math,chunked",
                        &out, 300),
            0)
      << out;
  EXPECT_NE(out.find("B=1 H=4 L=2048 D=64, forward, dtypes float32"), std::string::npos) << out;
  EXPECT_NE(out.find("threads 1"), std::string::npos) << out;
  EXPECT_NE(out.find("BLAS: "), std::string::npos) << out;
  std::smatch math, chunked;
  const std::string number = "([0-9.]+)";
  const std::string columns = " +" + number + " +" + number + " +" + number + " +" + number;
  ASSERT_TRUE(std::regex_search(out, math, std::regex("float32 +math" + columns))) << out;
  ASSERT_TRUE(std::regex_search(out, chunked, std::regex("float32 +chunked" + columns))) << out;
  const double math_peak = std::stod(math[4]), chunked_peak = std::stod(chunked[4]);
  EXPECT_GT(math_peak, 64.0) << out;              // at least one [4, 2048, 2048] float32 tensor
  EXPECT_LT(chunked_peak * 3, math_peak) << out;  // blocks, not the full score matrix
  EXPECT_GT(std::stod(chunked[1]), 0.0);
  EXPECT_GT(std::stod(chunked[3]), 0.0);  // CPU time
}

TEST(AttentionCli, BenchBackwardAndBadArguments) {
  std::string out;
  ASSERT_EQ(run_command(finetrain_executable() +
                            " bench attention --seq-len 128 --heads 2 --repeats 1 --threads 1 --dtype float32,float64x "
                            "--backward",
                        &out, 120),
            1)
      << out;
  EXPECT_NE(out.find("--dtype: unknown dtype 'float64x'"), std::string::npos) << out;
  ASSERT_EQ(run_command(finetrain_executable() +
                            " bench attention --seq-len 128 --heads 2 --repeats 1 --threads 1 --dtype float32 "
                            "--backward --backends chunked,nope",
                        &out, 120),
            1)
      << out;
  EXPECT_NE(out.find("--backends: unknown attention backend 'nope'; available: auto, sdpa, chunked, math"),
            std::string::npos)
      << out;
  ASSERT_EQ(run_command(finetrain_executable() +
                            " bench attention --seq-len 128 --heads 2 --repeats 2 --threads 1 --dtype float32 "
                            "--backward --backends chunked,math",
                        &out, 120),
            0)
      << out;
  EXPECT_NE(out.find("forward+backward"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("float32 +chunked +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("float32 +math +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+"))) << out;
}
