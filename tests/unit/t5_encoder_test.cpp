// The T5 / UMT5 encoder without fixtures: config parsing, transformers key names, loading sharded
// and bf16 checkpoints with the tied embedding, strict key checks, dtypes, dropout, the FFN
// variants and input validation. (Numerical parity with the reference: tests/parity/t5_parity_test.cpp.)
#include "finetrain/t5_encoder.hpp"

#include <ATen/TensorIndexing.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json tiny_config_json(const std::string& model_type, const std::string& feed_forward_proj = "gated-gelu") {
  return json{{"model_type", model_type},
              {"vocab_size", 50},
              {"d_model", 16},
              {"d_kv", 4},
              {"d_ff", 24},
              {"num_heads", 3},
              {"num_layers", 3},
              {"relative_attention_num_buckets", 8},
              {"relative_attention_max_distance", 12},
              {"layer_norm_epsilon", 1e-6},
              {"dropout_rate", 0.1},
              {"feed_forward_proj", feed_forward_proj}};
}

T5EncoderConfig tiny_config(const std::string& model_type = "t5", const std::string& proj = "gated-gelu") {
  return T5EncoderConfig::from_json(tiny_config_json(model_type, proj).dump(), "tiny/config.json");
}

using finetrain::testing::error_of;

at::Tensor sample_ids(int64_t vocab, int64_t batch = 2, int64_t length = 7) {
  return at::randint(2, vocab, {batch, length}, at::TensorOptions().dtype(at::kLong));
}

at::Tensor sample_mask() {
  at::Tensor mask = at::ones({2, 7}, at::TensorOptions().dtype(at::kLong));
  mask.index_put_({1, at::indexing::Slice(4, at::indexing::None)}, 0);
  return mask;
}

// ---- config ----

TEST(T5EncoderConfig, ReadsATransformersConfig) {
  const T5EncoderConfig c = tiny_config();
  EXPECT_EQ(c.variant, T5Variant::T5);
  EXPECT_EQ(c.vocab_size, 50);
  EXPECT_EQ(c.d_model, 16);
  EXPECT_EQ(c.d_kv, 4);
  EXPECT_EQ(c.d_ff, 24);
  EXPECT_EQ(c.num_heads, 3);
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.relative_attention_num_buckets, 8);
  EXPECT_EQ(c.relative_attention_max_distance, 12);
  EXPECT_TRUE(c.gated);
  EXPECT_EQ(c.activation, T5Activation::GeluNew);  // "gated-gelu" means the tanh approximation
}

TEST(T5EncoderConfig, AbsentKeysTakeTransformersDefaultsPerModelType) {
  const T5EncoderConfig t5 = T5EncoderConfig::from_json(R"({"model_type": "t5"})", "c");
  EXPECT_EQ(t5.vocab_size, 32128);
  EXPECT_EQ(t5.d_ff, 2048);
  EXPECT_EQ(t5.num_layers, 6);
  EXPECT_EQ(t5.num_heads, 8);
  EXPECT_FALSE(t5.gated);
  EXPECT_EQ(t5.activation, T5Activation::Relu);
  const T5EncoderConfig umt5 = T5EncoderConfig::from_json(R"({"model_type": "umt5"})", "c");
  EXPECT_EQ(umt5.variant, T5Variant::UMT5);
  EXPECT_EQ(umt5.vocab_size, 250112);
  EXPECT_EQ(umt5.d_ff, 1024);
  EXPECT_EQ(umt5.num_layers, 8);
  EXPECT_EQ(umt5.num_heads, 6);
  EXPECT_TRUE(umt5.gated);
  EXPECT_EQ(umt5.activation, T5Activation::GeluNew);
  EXPECT_EQ(umt5.relative_attention_max_distance, 128);
}

TEST(T5EncoderConfig, FeedForwardProjFollowsTransformersGrammar) {
  EXPECT_EQ(tiny_config("t5", "gelu").activation, T5Activation::Gelu);
  EXPECT_FALSE(tiny_config("t5", "gelu").gated);
  EXPECT_EQ(tiny_config("t5", "gated-silu").activation, T5Activation::Silu);
  EXPECT_TRUE(tiny_config("t5", "gated-relu").gated);
  EXPECT_NE(error_of([] { tiny_config("t5", "fancy-gelu"); }).find("'gated-ACT' or 'ACT'"), std::string::npos);
  EXPECT_NE(error_of([] { tiny_config("t5", "gated-tanh"); }).find("activation 'tanh' is not supported"),
            std::string::npos);
}

TEST(T5EncoderConfig, BadValuesNameTheFileAndKey) {
  EXPECT_EQ(error_of([] { T5EncoderConfig::from_json(R"({"model_type": "bert"})", "x/config.json"); }),
            "x/config.json: \"model_type\" is 'bert', expected \"t5\" or \"umt5\"");
  EXPECT_EQ(error_of([] { T5EncoderConfig::from_json(R"({"d_model": 4})", "x/config.json"); }),
            "x/config.json: missing string \"model_type\" (expected \"t5\" or \"umt5\")");
  EXPECT_EQ(error_of([] { T5EncoderConfig::from_json(R"({"model_type": "t5", "d_model": "big"})", "x/config.json"); }),
            "x/config.json: \"d_model\" must be an integer, found \"big\"");
  EXPECT_EQ(error_of([] { T5EncoderConfig::from_json(R"({"model_type": "t5", "num_heads": 0})", "x/config.json"); }),
            "x/config.json: \"num_heads\" must be positive, found 0");
  EXPECT_NE(
      error_of([] { T5EncoderConfig::from_json("{not json", "x/config.json"); }).find("x/config.json: not valid JSON"),
      std::string::npos);
  EXPECT_EQ(
      error_of([] { T5EncoderConfig::from_json(R"({"model_type": "t5", "relative_attention_num_buckets": 7})", "c"); }),
      "c: \"relative_attention_num_buckets\" must be even and at least 4, found 7");
  EXPECT_EQ(error_of([] {
              T5EncoderConfig::from_json(R"({"model_type": "t5", "relative_attention_max_distance": 8})", "c");
            }),
            "c: \"relative_attention_max_distance\" (8) must exceed relative_attention_num_buckets / 4 (8)");
}

// ---- module tree ----

std::set<std::string> parameter_names(T5Encoder& encoder) {
  std::set<std::string> names;
  for (const auto& item : encoder.module().named_parameters(true)) names.insert(item.key());
  return names;
}

std::set<std::string> expected_names(int64_t layers, bool gated, bool bias_per_block) {
  std::set<std::string> names{"shared.weight", "encoder.final_layer_norm.weight"};
  for (int64_t i = 0; i < layers; ++i) {
    const std::string b = "encoder.block." + std::to_string(i) + ".layer.";
    for (const char* p : {"q", "k", "v", "o"}) names.insert(b + "0.SelfAttention." + p + ".weight");
    if (i == 0 || bias_per_block) names.insert(b + "0.SelfAttention.relative_attention_bias.weight");
    names.insert(b + "0.layer_norm.weight");
    names.insert(b + "1.layer_norm.weight");
    if (gated) {
      names.insert(b + "1.DenseReluDense.wi_0.weight");
      names.insert(b + "1.DenseReluDense.wi_1.weight");
    } else {
      names.insert(b + "1.DenseReluDense.wi.weight");
    }
    names.insert(b + "1.DenseReluDense.wo.weight");
  }
  return names;
}

TEST(T5Encoder, ParametersCarryTransformersNamesWithTheEmbeddingOnce) {
  T5Encoder t5(tiny_config("t5"));
  EXPECT_EQ(parameter_names(t5), expected_names(3, /*gated=*/true, /*bias_per_block=*/false));
  T5Encoder umt5(tiny_config("umt5"));
  EXPECT_EQ(parameter_names(umt5), expected_names(3, true, true));
  T5Encoder relu(tiny_config("t5", "relu"));
  EXPECT_EQ(parameter_names(relu), expected_names(3, false, false));

  const TensorMap state = module_state(t5.module());
  EXPECT_EQ(state.at("encoder.block.0.layer.0.SelfAttention.q.weight").sizes(), at::IntArrayRef({12, 16}));
  EXPECT_EQ(state.at("encoder.block.0.layer.0.SelfAttention.o.weight").sizes(), at::IntArrayRef({16, 12}));
  EXPECT_EQ(state.at("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight").sizes(),
            at::IntArrayRef({8, 3}));
  EXPECT_EQ(state.at("encoder.block.2.layer.1.DenseReluDense.wo.weight").sizes(), at::IntArrayRef({16, 24}));
}

TEST(T5Encoder, InitRandomUsesTransformersScalesAndIsSeeded) {
  T5EncoderConfig config = tiny_config();
  config.d_model = 64;
  config.d_kv = 16;
  config.num_heads = 4;
  config.d_ff = 128;
  config.vocab_size = 400;
  T5Encoder a(config), b(config), c(config);
  a.init_random(7);
  b.init_random(7);
  c.init_random(8);
  const TensorMap sa = module_state(a.module()), sb = module_state(b.module()), sc = module_state(c.module());
  for (const auto& [name, t] : sa) EXPECT_TRUE(at::equal(t, sb.at(name))) << name;
  EXPECT_FALSE(at::equal(sa.at("shared.weight"), sc.at("shared.weight")));

  auto std_of = [&](const std::string& name) { return sa.at(name).std().item<double>(); };
  EXPECT_NEAR(std_of("shared.weight"), 1.0, 0.05);
  EXPECT_NEAR(std_of("encoder.block.0.layer.0.SelfAttention.q.weight"), 1.0 / std::sqrt(64.0 * 16.0), 0.004);
  EXPECT_NEAR(std_of("encoder.block.0.layer.0.SelfAttention.k.weight"), 1.0 / 8.0, 0.01);
  EXPECT_NEAR(std_of("encoder.block.0.layer.1.DenseReluDense.wo.weight"), 1.0 / std::sqrt(128.0), 0.01);
  EXPECT_TRUE(at::equal(sa.at("encoder.final_layer_norm.weight"), at::ones({64})));
}

// ---- loading ----

class T5EncoderLoading : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = finetrain::testing::make_temp_dir("t5_loading");
    source_ = std::make_unique<T5Encoder>(tiny_config());
    source_->init_random(3);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes config.json and the state as two bf16 shards plus model.safetensors.index.json, with
  // the tweaks a test wants applied to the tensor map first.
  void write_checkpoint(const std::function<void(TensorMap&)>& tweak) {
    std::ofstream(fs::path(dir_) / "config.json") << tiny_config_json("t5").dump(2);
    TensorMap state;
    for (const auto& [name, t] : module_state(source_->module())) state[name] = t.detach().to(at::kBFloat16);
    tweak(state);
    TensorMap shards[2];
    json weight_map = json::object();
    size_t i = 0;
    for (const auto& [name, t] : state) {
      const size_t shard = i++ % 2;
      shards[shard][name] = t;
      weight_map[name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
    }
    for (size_t s = 0; s < 2; ++s)
      safetensors::save((fs::path(dir_) / ("model-0000" + std::to_string(s + 1) + "-of-00002.safetensors")).string(),
                        shards[s]);
    std::ofstream(fs::path(dir_) / "model.safetensors.index.json")
        << json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump(2);
  }

  at::Tensor expected(const std::string& name, c10::ScalarType dtype) const {
    return module_state(source_->module()).at(name).to(at::kBFloat16).to(dtype);
  }

  void expect_loaded_equal_to_source(T5Encoder& loaded, c10::ScalarType dtype) const {
    for (const auto& [name, t] : module_state(loaded.module())) {
      EXPECT_EQ(t.scalar_type(), dtype) << name;
      EXPECT_TRUE(at::equal(t, expected(name, dtype))) << name;
    }
  }

  std::string dir_;
  std::unique_ptr<T5Encoder> source_;
};

TEST_F(T5EncoderLoading, LoadsShardedBf16CheckpointIntoFloat32AndBf16) {
  write_checkpoint([](TensorMap&) {});
  auto fp32 = load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU));
  expect_loaded_equal_to_source(*fp32, at::kFloat);
  auto bf16 = load_t5_encoder(dir_, at::kBFloat16, c10::Device(c10::kCPU));
  expect_loaded_equal_to_source(*bf16, at::kBFloat16);
}

TEST_F(T5EncoderLoading, AcceptsTheTiedAliasInsteadOfShared) {
  write_checkpoint([](TensorMap& state) {
    state["encoder.embed_tokens.weight"] = state.at("shared.weight");
    state.erase("shared.weight");
  });
  auto encoder = load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU));
  expect_loaded_equal_to_source(*encoder, at::kFloat);
}

TEST_F(T5EncoderLoading, WithBothNamesSharedWins) {
  write_checkpoint([](TensorMap& state) { state["encoder.embed_tokens.weight"] = state.at("shared.weight") * 2; });
  auto encoder = load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU));
  expect_loaded_equal_to_source(*encoder, at::kFloat);
}

TEST_F(T5EncoderLoading, IgnoresDecoderAndLmHeadOfASeq2SeqCheckpoint) {
  write_checkpoint([](TensorMap& state) {
    state["decoder.block.0.layer.0.SelfAttention.q.weight"] = at::ones({12, 16});
    state["lm_head.weight"] = at::ones({50, 16});
  });
  auto encoder = load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU));
  expect_loaded_equal_to_source(*encoder, at::kFloat);
}

TEST_F(T5EncoderLoading, StrictKeyChecksNameTheKeys) {
  // Key sets are compared before any tensor is read: missing and unexpected keys come first.
  write_checkpoint([](TensorMap& state) {
    state.erase("encoder.block.1.layer.0.SelfAttention.k.weight");
    state["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] = at::ones({8, 3});
  });
  std::string message = error_of([&] { load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU)); });
  EXPECT_NE(message.find(dir_), std::string::npos) << message;
  EXPECT_NE(message.find("1 missing, 1 unexpected, 0 mismatched"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.block.1.layer.0.SelfAttention.k.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"), std::string::npos)
      << message;
}

TEST_F(T5EncoderLoading, StrictShapeChecksNameTheTensor) {
  write_checkpoint([](TensorMap& state) {
    state["encoder.block.2.layer.1.DenseReluDense.wo.weight"] = at::ones({16, 25});
  });
  const std::string message = error_of([&] { load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU)); });
  EXPECT_NE(message.find("0 missing, 0 unexpected, 1 mismatched"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.block.2.layer.1.DenseReluDense.wo.weight: checkpoint [16, 25], model [16, 24]"),
            std::string::npos)
      << message;
}

TEST_F(T5EncoderLoading, MissingConfigIsNamed) {
  EXPECT_EQ(error_of([&] { load_t5_encoder(dir_, at::kFloat, c10::Device(c10::kCPU)); }),
            (fs::path(dir_) / "config.json").string() + ": cannot open");
}

// ---- running ----

TEST(T5Encoder, Bfloat16RunsCloseToFloat32) {
  T5Encoder fp32(tiny_config());
  fp32.init_random(5);
  T5Encoder bf16(tiny_config(), at::kBFloat16);
  bf16.load(TensorSource::from_map(module_state(fp32.module())), "fp32 weights");
  fp32.module().eval();
  bf16.module().eval();
  const at::Tensor ids = sample_ids(50);
  const at::Tensor reference = fp32.encode(ids, sample_mask());
  const at::Tensor out = bf16.encode(ids, sample_mask());
  EXPECT_EQ(out.scalar_type(), at::kBFloat16);
  EXPECT_LT((out.to(at::kFloat) - reference).abs().max().item<double>(), 0.05 * reference.abs().max().item<double>());
}

TEST(T5Encoder, Float16IsRefused) {
  EXPECT_NE(error_of([] { T5Encoder e(tiny_config(), at::kHalf); }).find("float16 is not supported"),
            std::string::npos);
  T5Encoder encoder(tiny_config());
  EXPECT_NE(error_of([&] { encoder.module().to(at::kHalf); }).find("float16 is not supported"), std::string::npos);
}

TEST(T5Encoder, DropoutOnlyInTrainingModeAndANewEncoderIsInEvalMode) {
  T5Encoder encoder(tiny_config());
  encoder.init_random(1);
  const at::Tensor ids = sample_ids(50);
  EXPECT_FALSE(encoder.module().is_training());  // a frozen encoder must encode the same caption the same way
  const at::Tensor eval_a = encoder.encode(ids, sample_mask());
  const at::Tensor eval_b = encoder.encode(ids, sample_mask());
  EXPECT_TRUE(at::equal(eval_a, eval_b));
  encoder.module().train();
  const at::Tensor train_a = encoder.encode(ids, sample_mask());
  const at::Tensor train_b = encoder.encode(ids, sample_mask());
  EXPECT_FALSE(at::allclose(train_a, eval_a));
  EXPECT_FALSE(at::allclose(train_a, train_b));
}

TEST(T5Encoder, BooleanAndIntegerMasksAgreeAndNoMaskMeansAllTokens) {
  T5Encoder encoder(tiny_config("umt5"));
  encoder.init_random(2);
  encoder.module().eval();
  const at::Tensor ids = sample_ids(50);
  EXPECT_TRUE(at::equal(encoder.encode(ids, sample_mask()), encoder.encode(ids, sample_mask().to(at::kBool))));
  EXPECT_TRUE(
      at::equal(encoder.encode(ids), encoder.encode(ids, at::ones({2, 7}, at::TensorOptions().dtype(at::kLong)))));
  EXPECT_FALSE(at::equal(encoder.encode(ids), encoder.encode(ids, sample_mask())));
}

// The feed-forward of every variant against its formula, from the captured layer-norm output.
void expect_feed_forward(const std::string& proj, const std::function<at::Tensor(const at::Tensor&)>& act) {
  T5Encoder encoder(tiny_config("t5", proj));
  encoder.init_random(4);
  encoder.module().eval();
  ParityCapture capture;
  encoder.encode(sample_ids(50), sample_mask());
  std::map<std::string, at::Tensor> captured(capture.tensors().begin(), capture.tensors().end());
  const TensorMap w = module_state(encoder.module());
  const std::string p = "encoder.block.1.layer.1.";
  const at::Tensor h = captured.at(p + "layer_norm");
  const bool gated = encoder.config().gated;
  const at::Tensor activated =
      act(at::linear(h, w.at(p + (gated ? "DenseReluDense.wi_0.weight" : "DenseReluDense.wi.weight"))));
  EXPECT_TRUE(at::allclose(captured.at(p + "DenseReluDense.act"), activated, 1e-5, 1e-6)) << proj;
  const at::Tensor inner = gated ? activated * at::linear(h, w.at(p + "DenseReluDense.wi_1.weight")) : activated;
  EXPECT_TRUE(at::allclose(captured.at(p + "DenseReluDense"), at::linear(inner, w.at(p + "DenseReluDense.wo.weight")),
                           1e-5, 1e-6))
      << proj;
}

TEST(T5Encoder, FeedForwardVariantsComputeTheirFormula) {
  expect_feed_forward("relu", [](const at::Tensor& x) { return at::relu(x); });
  expect_feed_forward("gated-gelu", [](const at::Tensor& x) { return at::gelu(x, "tanh"); });
  expect_feed_forward("gelu", [](const at::Tensor& x) { return at::gelu(x); });
  expect_feed_forward("gated-silu", [](const at::Tensor& x) { return at::silu(x); });
}

TEST(T5Encoder, BadInputsAreRefusedClearly) {
  T5Encoder encoder(tiny_config());
  encoder.init_random(1);
  at::Tensor ids = sample_ids(50);
  ids.index_put_({0, 3}, 50);
  EXPECT_EQ(error_of([&] { encoder.encode(ids); }), "T5 encoder: token id 50 is outside the vocabulary [0, 50)");
  EXPECT_EQ(error_of([&] {
              encoder.encode(sample_ids(50), at::ones({2, 6}));
            }),
            "T5 encoder: attention_mask has shape [2, 6], input_ids [2, 7]");
  EXPECT_NE(error_of([&] {
              encoder.encode(at::ones({2, 7}));
            }).find("input_ids must be an integer tensor"),
            std::string::npos);
}

TEST(T5RelativePositionBucket, HandComputedValues) {
  // 32 buckets, max distance 128: 8 exact distances each way, keys after the query in 16..31.
  const at::Tensor relative = at::tensor({0, -1, -7, 1, 8, -8, 12, -128, 1000, -1000}, at::kLong);
  const at::Tensor expected = at::tensor({0, 1, 7, 17, 24, 8, 25, 15, 31, 15}, at::kLong);
  EXPECT_TRUE(at::equal(t5_relative_position_bucket(relative, 32, 128), expected));
}

}  // namespace
}  // namespace finetrain
