// LTXVideoTransformer3DModel against diffusers (../shared/fixtures/ltx/transformer), plus the
// properties the fixture cannot show: per-token timesteps, caption masking, checkpoint round trips
// (single file and sharded), block registration, config handling and the tiny preset's speed.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "parity/component_parity.hpp"
#include "test_support.hpp"
#include "transformer/component_builder.hpp"
#include "transformer/config.hpp"
#include "transformer/presets.hpp"
#include "transformer/transformer.hpp"

namespace fs = std::filesystem;
using namespace finetrain;
using namespace finetrain::ltx_video;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Random inputs for `config` on a latent grid, drawn from a fixed generator.
LtxTransformerInputs random_inputs(const LtxTransformerConfig& config, TokenGrid grid, int64_t batch,
                                   int64_t caption_tokens, uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  LtxTransformerInputs in;
  in.grid = grid;
  in.hidden_states = at::randn({batch, grid.tokens(), config.in_channels}, gen);
  in.encoder_hidden_states = at::randn({batch, caption_tokens, config.caption_channels}, gen);
  in.timestep = at::rand({batch}, gen) * 1000;
  in.encoder_attention_mask = at::ones({batch, caption_tokens}, at::kBool);
  in.encoder_attention_mask.narrow(1, caption_tokens - 3, 3).fill_(false);  // padded captions
  in.rope_interpolation_scale = std::array<double, 3>{8.0 / 25.0, 32.0, 32.0};
  return in;
}

LtxTransformerConfig fixture_config(const std::string& dir) {
  return LtxTransformerConfig::from_json(read_text(fs::path(dir) / "config.json"), dir);
}

class LtxTransformerTest : public ::testing::Test {
 protected:
  void SetUp() override { scratch_ = finetrain::testing::make_temp_dir("ltx-transformer"); }
  void TearDown() override { fs::remove_all(scratch_); }
  std::string scratch_;
};

}  // namespace

TEST(LtxTransformerParity, OutputsAndEveryGradientMatchDiffusers) {
  FT_REQUIRE_FIXTURE(dir, "ltx/transformer");
  const auto tolerances = host::tolerances_from_readme(read_text(fs::path(dir) / "README.md"));
  ASSERT_TRUE(tolerances) << "README.md of " << dir << " states no tolerances";
  const host::ParityReport report = host::run_component_parity(dir, ltx_transformer_component_builder(), *tolerances);
  ASSERT_TRUE(report.error.empty()) << report.error;

  size_t outputs = 0, input_grads = 0, param_grads = 0;
  double worst_output = 0, worst_grad = 0;
  for (const auto& row : report.rows) {
    EXPECT_TRUE(row.passed) << row.tensor << ": max |diff| " << row.max_abs_diff << " > bound " << row.bound << " "
                            << row.error;
    if (row.tensor.rfind("out.", 0) == 0) {
      ++outputs;
      worst_output = std::max(worst_output, row.max_abs_diff);
      continue;
    }
    worst_grad = std::max(worst_grad, row.max_abs_diff);
    if (row.tensor.rfind("grad.in.", 0) == 0) ++input_grads;
    if (row.tensor.rfind("grad.param.", 0) == 0) ++param_grads;
  }
  EXPECT_EQ(outputs, 1u);
  EXPECT_EQ(input_grads, 2u);
  EXPECT_EQ(param_grads, 65u);  // every parameter's gradient is stored and compared
  EXPECT_TRUE(report.passed()) << "first divergence: " << report.first_divergence;
  std::cout << "ltx/transformer parity: outputs max |diff| " << worst_output << ", gradients max |diff| " << worst_grad
            << " over " << report.rows.size() << " tensors\n";
}

TEST(LtxTransformerParity, IntermediatesMatchTheFixtureAuxTensors) {
  FT_REQUIRE_FIXTURE(dir, "ltx/transformer");
  const auto tolerances = host::tolerances_from_readme(read_text(fs::path(dir) / "README.md"));
  ASSERT_TRUE(tolerances);
  auto component = ltx_transformer_component_builder().build(read_text(fs::path(dir) / "config.json"), at::kCPU);
  load_state(*component->module(), TensorSource::from_checkpoint(dir + "/weights.safetensors"), true, dir);
  auto io = safetensors::File::open(dir + "/io.safetensors");
  TensorMap inputs;
  for (const auto& info : io->tensors())
    if (info.name.rfind("in.", 0) == 0) inputs[info.name.substr(3)] = io->tensor(info.name);

  c10::NoGradGuard no_grad;
  ParityCapture capture;
  component->run(inputs, io->metadata().at("call"));
  std::set<std::string> compared;
  for (const auto& [name, ours] : capture.tensors()) {
    const auto* info = io->find("aux." + name);
    if (!info) continue;
    const at::Tensor ref = io->tensor("aux." + name);
    ASSERT_EQ(ours.sizes(), ref.sizes()) << name;
    const double diff = (ours - ref).abs().max().item<double>();
    EXPECT_LE(diff, tolerances->outputs.bound(ref.abs().max().item<double>())) << name;
    compared.insert(name);
  }
  size_t aux = 0;
  for (const auto& info : io->tensors()) aux += info.name.rfind("aux.", 0) == 0;
  EXPECT_EQ(compared.size(), aux) << "every aux.* tensor of the fixture has a captured counterpart";
}

TEST(LtxTransformerParity, ParameterNamesAreDiffusersStateDictKeys) {
  FT_REQUIRE_FIXTURE(dir, "ltx/transformer");
  LtxVideoTransformer3DModel model(fixture_config(dir));
  const TensorMap ours = module_state(*model);
  auto weights = safetensors::File::open(dir + "/weights.safetensors");
  std::set<std::string> reference;
  for (const auto& info : weights->tensors()) {
    reference.insert(info.name);
    auto it = ours.find(info.name);
    ASSERT_NE(it, ours.end()) << "missing " << info.name;
    EXPECT_EQ(it->second.sizes(), at::IntArrayRef(info.shape)) << info.name;
  }
  std::set<std::string> names;
  for (const auto& [name, t] : ours) names.insert(name);
  EXPECT_EQ(names, reference);
}

TEST(LtxTransformer, PerTokenTimestepsEqualTheBroadcastTimestepBitwise) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  c10::NoGradGuard no_grad;
  LtxTransformerInputs in = random_inputs(model->config(), {3, 4, 6}, 2, 12, 7);
  const at::Tensor per_sample = model->forward(in);

  const int64_t tokens = in.grid.tokens();
  LtxTransformerInputs per_token = in;
  per_token.timestep = in.timestep.unsqueeze(1).expand({2, tokens}).contiguous();
  EXPECT_TRUE(at::equal(model->forward(per_token), per_sample));

  // First-frame conditioning: the first frame's tokens at t = 0 change the prediction.
  per_token.timestep.narrow(1, 0, in.grid.height * in.grid.width).zero_();
  ParityCapture capture;
  EXPECT_FALSE(at::allclose(model->forward(per_token), per_sample));
  // Each token gets the embedding of its own timestep (diffusers embeds the flattened [B * L] rows).
  const at::Tensor direct = model->time_embed(per_token.timestep.flatten(), at::kFloat).first;
  const auto& captured = capture.tensors();
  const auto it =
      std::find_if(captured.begin(), captured.end(), [](const auto& c) { return c.first == "time_embed.0"; });
  ASSERT_NE(it, captured.end());
  EXPECT_TRUE(at::allclose(it->second, direct, 1e-5, 1e-6));
}

TEST(LtxTransformer, MaskedCaptionTokensAreIgnoredAndAnAllTrueMaskEqualsNoMask) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  c10::NoGradGuard no_grad;
  LtxTransformerInputs in = random_inputs(model->config(), {2, 4, 4}, 2, 10, 11);
  const at::Tensor reference = model->forward(in);

  LtxTransformerInputs changed = in;
  changed.encoder_hidden_states = in.encoder_hidden_states.clone();
  changed.encoder_hidden_states.narrow(1, 7, 3).normal_();  // the three masked tokens
  EXPECT_TRUE(at::equal(model->forward(changed), reference));

  LtxTransformerInputs all_true = in, no_mask = in;
  all_true.encoder_attention_mask = at::ones({2, 10}, at::kBool);
  no_mask.encoder_attention_mask = at::Tensor();
  EXPECT_TRUE(at::equal(model->forward(all_true), model->forward(no_mask)));
  EXPECT_FALSE(at::allclose(model->forward(all_true), reference));
}

TEST_F(LtxTransformerTest, StateDictRoundTripThroughSafetensors) {
  const LtxTransformerConfig config = ltx_transformer_preset("tiny");
  LtxVideoTransformer3DModel original(config);
  const std::string path = scratch_ + "/diffusion_pytorch_model.safetensors";
  safetensors::save(path, module_state(*original));

  LtxVideoTransformer3DModel fresh(config);
  c10::NoGradGuard no_grad;
  const LtxTransformerInputs in = random_inputs(config, {2, 3, 5}, 1, 8, 3);
  ASSERT_FALSE(at::equal(fresh->forward(in), original->forward(in)));  // a different random init
  load_state(*fresh, TensorSource::from_checkpoint(path), /*strict=*/true, path);
  EXPECT_TRUE(at::equal(fresh->forward(in), original->forward(in)));
}

TEST_F(LtxTransformerTest, StateDictRoundTripThroughAShardedCheckpoint) {
  const LtxTransformerConfig config = ltx_transformer_preset("tiny");
  LtxVideoTransformer3DModel original(config);
  // Two shards, diffusers' naming, alternating tensors, and the index that maps each key to its shard.
  const std::string shard_names[2] = {"diffusion_pytorch_model-00001-of-00002.safetensors",
                                      "diffusion_pytorch_model-00002-of-00002.safetensors"};
  TensorMap shards[2];
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  int64_t total = 0, i = 0;
  for (const auto& [name, tensor] : module_state(*original)) {
    const int shard = static_cast<int>(i++ % 2);
    shards[shard][name] = tensor;
    index["weight_map"][name] = shard_names[shard];
    total += tensor.numel() * static_cast<int64_t>(tensor.element_size());
  }
  index["metadata"]["total_size"] = total;
  for (int s = 0; s < 2; ++s) safetensors::save(scratch_ + "/" + shard_names[s], shards[s]);
  std::ofstream(scratch_ + "/diffusion_pytorch_model.safetensors.index.json") << index.dump(2);

  LtxVideoTransformer3DModel fresh(config);
  load_state(*fresh, TensorSource::from_checkpoint(scratch_), /*strict=*/true, scratch_);
  c10::NoGradGuard no_grad;
  const LtxTransformerInputs in = random_inputs(config, {2, 3, 5}, 2, 8, 5);
  EXPECT_TRUE(at::equal(fresh->forward(in), original->forward(in)));

  // A strict load into a model of another shape names the mismatching tensors.
  LtxTransformerConfig wider = config;
  wider.attention_head_dim = 2 * config.attention_head_dim;
  wider.cross_attention_dim = wider.inner_dim();
  LtxVideoTransformer3DModel other(wider);
  try {
    load_state(*other, TensorSource::from_checkpoint(scratch_), /*strict=*/true, scratch_);
    FAIL() << "expected a shape mismatch";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("proj_in.weight"), std::string::npos) << e.what();
  }
}

// Counts block executions, to check that every block runs through the BlockRunner.
class CountingHooks : public BlockHooks {
 public:
  void before_block(size_t index) override { order.push_back(static_cast<int>(index)); }
  void after_block(size_t index) override { order.push_back(-1 - static_cast<int>(index)); }
  std::vector<int> order;
};

TEST(LtxTransformer, BlocksAreRegisteredAndRunThroughTheBlockRunner) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  const auto& blocks = model->block_runner().blocks();
  ASSERT_EQ(blocks.size(), static_cast<size_t>(model->config().num_layers));
  const auto children = model->named_modules();
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string name = "transformer_blocks." + std::to_string(i);
    EXPECT_EQ(blocks[i].name, name);
    EXPECT_EQ(blocks[i].module, children[name].get());
    EXPECT_EQ(model->transformer_blocks[i]->attn1->attention().site(), name + ".attn1");
    EXPECT_EQ(model->transformer_blocks[i]->attn2->attention().site(), name + ".attn2");
  }
  CountingHooks hooks;
  model->block_runner().add_hooks(&hooks);
  c10::NoGradGuard no_grad;
  model->forward(random_inputs(model->config(), {1, 2, 2}, 1, 4, 1));
  model->block_runner().clear_hooks();
  std::vector<int> expected;  // each block's before and after hooks, in order
  for (int i = 0; i < static_cast<int>(blocks.size()); ++i) expected.insert(expected.end(), {i, -1 - i});
  EXPECT_EQ(hooks.order, expected);
}

// Speed is measured by `finetrain bench --model ltx-video --preset tiny`, not asserted here.
TEST(LtxTransformer, TinyForwardAndBackwardReachEveryParameter) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  LtxTransformerInputs in = random_inputs(model->config(), {3, 4, 6}, 1, 16, 9);
  model->forward(in).square().mean().backward();
  for (const auto& p : model->named_parameters()) EXPECT_TRUE(p.value().grad().defined()) << p.key();
}

TEST(LtxTransformer, RunsInBfloat16CloseToFloat32) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  c10::NoGradGuard no_grad;
  const LtxTransformerInputs in = random_inputs(model->config(), {2, 2, 3}, 2, 6, 4);
  const at::Tensor reference = model->forward(in);
  model->to(at::kBFloat16);
  LtxTransformerInputs low = in;
  low.hidden_states = in.hidden_states.to(at::kBFloat16);
  low.encoder_hidden_states = in.encoder_hidden_states.to(at::kBFloat16);
  const at::Tensor out = model->forward(low);
  EXPECT_EQ(out.scalar_type(), at::kBFloat16);
  const double scale = reference.abs().max().item<double>();
  EXPECT_LT((out.to(at::kFloat) - reference).abs().max().item<double>(), 0.05 * scale);
}

TEST(LtxTransformer, RejectsInputsThatDoNotFit) {
  LtxVideoTransformer3DModel model(ltx_transformer_preset("tiny"));
  c10::NoGradGuard no_grad;
  auto expect_error = [&](const LtxTransformerInputs& in, const std::string& fragment) {
    try {
      model->forward(in);
      ADD_FAILURE() << "expected an error containing '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const LtxTransformerInputs good = random_inputs(model->config(), {2, 2, 3}, 2, 5, 2);
  LtxTransformerInputs bad = good;
  bad.grid.width = 4;
  expect_error(bad, "num_frames * height * width = 2 * 2 * 4 must equal the 12 tokens");
  bad = good;
  bad.timestep = at::zeros({2, 5});
  expect_error(bad, "timestep must be [B=2] or [B, L=12], found [2, 5]");
  bad = good;
  bad.encoder_hidden_states = at::zeros({2, 5, 7});
  expect_error(bad, "encoder_hidden_states must be [B=2, S, caption_channels=32], found [2, 5, 7]");
  bad = good;
  bad.encoder_attention_mask = at::ones({2, 4}, at::kBool);
  expect_error(bad, "encoder_attention_mask must be [B=2, S=5], found [2, 4]");
}

TEST(LtxTransformerConfigTest, ParsesDiffusersConfigsAndRejectsWhatItCannotRun) {
  const LtxTransformerConfig c = LtxTransformerConfig::from_json(
      R"({"_class_name": "LTXVideoTransformer3DModel", "in_channels": 8, "out_channels": null,
          "num_attention_heads": 2, "attention_head_dim": 16, "cross_attention_dim": 32, "caption_channels": 24})",
      "config.json");
  EXPECT_EQ(c.in_channels, 8);
  EXPECT_EQ(c.out_channels, 8);  // `out_channels or in_channels`
  EXPECT_EQ(c.num_layers, 28);   // diffusers' default
  EXPECT_EQ(LtxTransformerConfig::from_json(c.to_json(), "round trip").to_json(), c.to_json());

  auto expect_error = [](const std::string& json, const std::string& fragment) {
    try {
      LtxTransformerConfig::from_json(json, "t/config.json");
      ADD_FAILURE() << "expected an error containing '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"activation_fn": "geglu"})", "t/config.json: \"activation_fn\" must be \"gelu-approximate\"");
  expect_error(R"({"qk_norm": "rms_norm"})", "\"qk_norm\" must be \"rms_norm_across_heads\", found \"rms_norm\"");
  expect_error(R"({"num_layers": "28"})", "\"num_layers\" must be an integer, found string \"28\"");
  expect_error(R"({"cross_attention_dim": 4096})", "must equal num_attention_heads * attention_head_dim = 2048");
  expect_error(R"({"num_layer": 2})", "unknown key \"num_layer\"");
  expect_error(R"({"patch_size": 0})", "\"patch_size\" must be a positive integer, found 0");
  expect_error("[1]", "expected a JSON object");
}

TEST(LtxTransformerConfigTest, PresetsMatchTheReleasedCheckpoints) {
  const LtxTransformerConfig two_b = ltx_transformer_preset("ltxv-2b");
  EXPECT_EQ(two_b.num_layers, 28);
  EXPECT_EQ(two_b.inner_dim(), 2048);
  EXPECT_EQ(two_b.cross_attention_dim, 2048);
  EXPECT_EQ(two_b.caption_channels, 4096);
  EXPECT_EQ(two_b.in_channels, 128);
  const LtxTransformerConfig thirteen_b = ltx_transformer_preset("ltxv-13b");
  EXPECT_EQ(thirteen_b.num_layers, 48);
  EXPECT_EQ(thirteen_b.attention_head_dim, 128);
  EXPECT_EQ(thirteen_b.cross_attention_dim, 4096);

  const LtxTransformerConfig tiny = ltx_transformer_preset("tiny");
  EXPECT_EQ(tiny.in_channels, kTinyLatentChannels);
  EXPECT_EQ(tiny.out_channels, kTinyLatentChannels);
  EXPECT_EQ(tiny.caption_channels, kTinyCaptionChannels);
  int64_t parameters = 0;
  for (const auto& p : LtxVideoTransformer3DModel(tiny)->parameters()) parameters += p.numel();
  EXPECT_EQ(parameters, 4835616);  // "a few M": 4 blocks of width 256
  EXPECT_THROW(ltx_transformer_preset("ltxv-7b"), Error);
}
