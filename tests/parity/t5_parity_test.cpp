// T5EncoderModel and UMT5EncoderModel against text_encoders/t5 and text_encoders/umt5: outputs and
// every parameter gradient at the README's tolerances, the relative-position bucket tables
// exactly, and padded positions without influence on the others.
#include <ATen/TensorIndexing.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/where.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "finetrain/t5_encoder.hpp"
#include "parity/component_parity.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expect_fixture_passes(const std::string& dir, const ComponentBuilder& builder, size_t parameter_count) {
  const auto tolerances = host::tolerances_from_readme(read_text(fs::path(dir) / "README.md"));
  ASSERT_TRUE(tolerances.has_value()) << dir << "/README.md states no tolerances";
  const host::ParityReport report = host::run_component_parity(dir, builder, *tolerances);
  ASSERT_TRUE(report.error.empty()) << report.error;

  size_t gradient_rows = 0;
  bool saw_output = false;
  double worst_output = 0.0, worst_gradient = 0.0;
  for (const auto& row : report.rows) {
    EXPECT_TRUE(row.passed) << row.tensor << ": max|diff| " << row.max_abs_diff << " > bound " << row.bound << " "
                            << row.error;
    if (row.tensor == "out.last_hidden_state") {
      saw_output = true;
      worst_output = row.max_abs_diff;
    }
    if (row.tensor.rfind("grad.param.", 0) == 0) {
      ++gradient_rows;
      worst_gradient = std::max(worst_gradient, row.max_abs_diff);
    }
  }
  std::cout << dir << ": max |diff| output " << worst_output << ", parameter gradients " << worst_gradient << "\n";
  EXPECT_TRUE(saw_output);
  // Every parameter's gradient was compared (the tied alias is stored once, as shared.weight).
  EXPECT_EQ(gradient_rows, parameter_count);
  EXPECT_TRUE(report.passed()) << "first divergence: " << report.first_divergence;
}

TEST(T5Parity, OutputsAndParameterGradientsMatchTheFixture) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/t5");
  expect_fixture_passes(dir, t5_encoder_component_builder(), 21);
}

TEST(UMT5Parity, OutputsAndParameterGradientsMatchTheFixture) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/umt5");
  expect_fixture_passes(dir, umt5_encoder_component_builder(), 22);
}

void expect_bucket_tables_match(const std::string& dir) {
  const TensorMap tables = safetensors::load((fs::path(dir) / "buckets.safetensors").string());
  const at::Tensor relative_position = tables.at("relative_position");
  for (int64_t max_distance : {20, 128}) {
    const std::string key = "bucket.num_buckets_32.max_distance_" + std::to_string(max_distance);
    const at::Tensor ours = t5_relative_position_bucket(relative_position, 32, max_distance);
    EXPECT_TRUE(at::equal(ours, tables.at(key))) << key;
  }
}

TEST(T5Parity, RelativePositionBucketsMatchTheTablesExactly) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/t5");
  expect_bucket_tables_match(dir);
}

TEST(UMT5Parity, RelativePositionBucketsMatchTheTablesExactly) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/umt5");
  expect_bucket_tables_match(dir);
}

// Changing the ids at padded positions leaves every unpadded output bit for bit unchanged: padded
// keys get exactly zero attention weight.
void expect_padding_has_no_influence(const std::string& dir) {
  T5Encoder encoder(T5EncoderConfig::from_json(read_text(fs::path(dir) / "config.json"), dir + "/config.json"));
  encoder.load(TensorSource::from_checkpoint((fs::path(dir) / "weights.safetensors").string()), dir);
  encoder.module().eval();
  auto io = safetensors::File::open((fs::path(dir) / "io.safetensors").string());
  const at::Tensor ids = io->tensor("in.input_ids");
  const at::Tensor mask = io->tensor("in.attention_mask");
  ASSERT_GT((mask == 0).sum().item<int64_t>(), 0) << "the fixture has no padding";

  const at::Tensor other_ids = at::where(mask == 0, (ids + 17) % encoder.config().vocab_size, ids);
  ASSERT_FALSE(at::equal(other_ids, ids));
  const at::Tensor out = encoder.encode(ids, mask);
  const at::Tensor other_out = encoder.encode(other_ids, mask);

  const at::Tensor kept = mask.to(at::kBool);
  EXPECT_TRUE(at::equal(out.index({kept}), other_out.index({kept})));
  // The padded rows themselves are computed from their own ids, so they do change: the
  // comparison above is not vacuous.
  EXPECT_FALSE(at::equal(out.index({kept.logical_not()}), other_out.index({kept.logical_not()})));
  // And the encoder reproduces the fixture this way too (loaded through T5Encoder::load, which
  // takes shared.weight and drops its tied alias).
  EXPECT_LT((out - io->tensor("out.last_hidden_state")).abs().max().item<double>(), 5e-5);
}

TEST(T5Parity, PaddedPositionsDoNotInfluenceUnpaddedOutputs) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/t5");
  expect_padding_has_no_influence(dir);
}

TEST(UMT5Parity, PaddedPositionsDoNotInfluenceUnpaddedOutputs) {
  FT_REQUIRE_FIXTURE(dir, "text_encoders/umt5");
  expect_padding_has_no_influence(dir);
}

}  // namespace
}  // namespace finetrain
