// The example plugin, built out of tree by the install_tree test, loaded in-process through the
// PluginHost like the host loads any model: its ModelSpec must train (forward + backward through
// BlockRunner), sample, and describe itself honestly.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/model_spec.hpp"
#include "plugin_host/plugin_host.hpp"

namespace {

using finetrain::DenoiserInput;
using finetrain::KeyFormat;
using finetrain::ModelSpec;
using finetrain::host::PluginHost;
using finetrain::host::PluginObject;

// One host per test process; plugins are never unloaded.
PluginHost& plugin_host() {
  static PluginHost* host = [] {
    auto* h = new PluginHost();
    h->load_file(FT_TOY_PIXEL_PLUGIN);
    return h;
  }();
  return *host;
}

class ToyPixelPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(FT_TOY_PIXEL_PLUGIN))
        << FT_TOY_PIXEL_PLUGIN << " is built by the install_tree test: ctest -R 'install_tree|toy_pixel'";
    const auto& status = plugin_host().statuses().front();
    ASSERT_TRUE(status.loaded) << status.error;
  }

  // A configured and loaded tiny toy-pixel from `seed`.
  static PluginObject<ModelSpec> make_model(uint64_t seed = 7, const std::string& preset = "tiny") {
    PluginObject<ModelSpec> model = plugin_host().create<ModelSpec>("toy-pixel");
    finetrain::ModelContext context;
    context.options.set("preset", preset);
    context.seed = seed;
    model->configure(context);
    model->load(finetrain::kAllComponents);
    return model;
  }

  static at::Generator generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

  // Pixels in [-1, 1], [B, 3, F, H, W].
  static at::Tensor pixels(std::vector<int64_t> shape, uint64_t seed) {
    return at::rand(shape, generator(seed), at::kFloat) * 2 - 1;
  }

  // The flow-matching pair of the velocity objective: x_t and the target n - x0.
  static std::pair<at::Tensor, at::Tensor> noisy_and_target(const at::Tensor& x0, const at::Tensor& sigmas,
                                                            uint64_t seed) {
    at::Tensor noise = at::randn(x0.sizes(), generator(seed), at::kFloat);
    at::Tensor s = sigmas.view({-1, 1, 1, 1, 1});
    return {(1 - s) * x0 + s * noise, noise - x0};
  }
};

// Records the block indices the model ran through BlockRunner, with before/after pairing.
class RecordingHooks : public finetrain::BlockHooks {
 public:
  void before_block(size_t index) override { events.push_back("before " + std::to_string(index)); }
  void after_block(size_t index) override { events.push_back("after " + std::to_string(index)); }
  std::vector<std::string> events;
};

TEST_F(ToyPixelPluginTest, RegistersOneModelComponentWithItsManifest) {
  const auto& status = plugin_host().statuses().front();
  ASSERT_TRUE(status.manifest.has_value());
  EXPECT_EQ(status.manifest->name, "toy-pixel");
  EXPECT_EQ(status.components, std::vector<std::string>{"model toy-pixel"});
  const auto* info = plugin_host().find(FT_PLUGIN_KIND_MODEL, "toy-pixel");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->interface_name, "finetrain.ModelSpec");
}

TEST_F(ToyPixelPluginTest, DescribesItselfBeforeLoading) {
  PluginObject<ModelSpec> model = plugin_host().create<ModelSpec>("toy-pixel");
  EXPECT_EQ(model->presets(), (std::vector<std::string>{"tiny", "small"}));
  finetrain::ModelTraits traits = model->traits();
  EXPECT_EQ(traits.objective, finetrain::Objective::FlowMatchingVelocity);
  EXPECT_EQ(traits.latent_channels, 3);
  EXPECT_EQ(traits.num_train_timesteps, 1000);
  finetrain::ConfigSchema schema = model->options_schema();
  const auto* preset = schema.find("model.preset");
  ASSERT_NE(preset, nullptr);
  EXPECT_EQ(std::get<std::string>(preset->default_value), "tiny");
  EXPECT_EQ(preset->allowed, (std::vector<std::string>{"tiny", "small"}));
  ASSERT_NE(schema.find("model.sample_shift"), nullptr);
  std::set<std::string> builders;
  for (const auto& b : model->component_builders()) builders.insert(b.class_name);
  EXPECT_EQ(builders,
            (std::set<std::string>{"ToyPixelTransformer2DModel", "ToyPixelTextEncoder", "ToyPixelIdentityVAE"}));
}

TEST_F(ToyPixelPluginTest, DenoiserUsesDiffusersKeyNamesAndExposesItsBlocks) {
  PluginObject<ModelSpec> model = make_model();
  std::vector<std::string> names;
  for (const auto& p : model->denoiser().named_parameters()) names.push_back(p.key());
  std::vector<std::string> expected = {"proj_in.weight",
                                       "proj_in.bias",
                                       "pos_embed.proj.weight",
                                       "pos_embed.proj.bias",
                                       "time_embed.linear_1.weight",
                                       "time_embed.linear_1.bias",
                                       "time_embed.linear_2.weight",
                                       "time_embed.linear_2.bias",
                                       "context_embedder.weight",
                                       "context_embedder.bias"};
  for (int i = 0; i < 2; ++i)
    for (const char* m : {"norm1.linear", "ff.net.0.proj", "ff.net.2"})
      for (const char* p : {"weight", "bias"})
        expected.push_back("transformer_blocks." + std::to_string(i) + "." + m + "." + p);
  for (const char* n : {"norm_out.linear.weight", "norm_out.linear.bias", "proj_out.weight", "proj_out.bias"})
    expected.push_back(n);
  EXPECT_EQ(names, expected);
  ASSERT_EQ(model->blocks().blocks().size(), 2u);
  EXPECT_EQ(model->blocks().blocks()[1].name, "transformer_blocks.1");
}

TEST_F(ToyPixelPluginTest, ForwardAndBackwardRunEveryBlockThroughTheBlockRunner) {
  PluginObject<ModelSpec> model = make_model();
  RecordingHooks hooks;
  model->blocks().add_hooks(&hooks);
  at::Tensor x0 = model->prepare_latents(model->encode_latents(pixels({2, 3, 2, 6, 5}, 1)), generator(0));
  at::Tensor sigmas = at::tensor({0.25, 0.8}, at::kFloat);
  auto [noisy, target] = noisy_and_target(x0, sigmas, 2);
  DenoiserInput input{noisy, sigmas, model->encode_conditions({"a red square", ""})};

  at::Tensor prediction = model->forward(input);
  EXPECT_EQ(prediction.sizes(), x0.sizes());
  EXPECT_TRUE(at::isfinite(prediction).all().item<bool>());
  EXPECT_EQ(hooks.events, (std::vector<std::string>{"before 0", "after 0", "before 1", "after 1"}));

  at::mse_loss(prediction, target).backward();
  for (const auto& p : model->denoiser().named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(at::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key() << " gets no gradient";
  }
  model->blocks().clear_hooks();
}

TEST_F(ToyPixelPluginTest, GradientDescentLowersTheVelocityLossOnOneImage) {
  PluginObject<ModelSpec> model = make_model(3);
  at::Tensor x0 = model->prepare_latents(model->encode_latents(pixels({1, 3, 1, 4, 4}, 5)), generator(0));
  finetrain::TensorMap conditions = model->encode_conditions({"a small test image"});
  std::vector<at::Tensor> parameters = model->denoiser().parameters();
  auto loss_at = [&](uint64_t seed) {
    at::Tensor sigmas = at::rand({1}, generator(seed), at::kFloat);
    auto [noisy, target] = noisy_and_target(x0, sigmas, seed + 1000);
    return at::mse_loss(model->forward({noisy, sigmas, conditions}), target);
  };
  auto mean_eval_loss = [&] {
    at::NoGradGuard no_grad;
    double total = 0;
    for (uint64_t s = 0; s < 16; ++s) total += loss_at(90000 + s).item<double>();
    return total / 16;
  };
  const double before = mean_eval_loss();
  for (uint64_t step = 0; step < 300; ++step) {
    for (auto& p : parameters) p.mutable_grad() = at::Tensor();
    loss_at(step).backward();
    at::NoGradGuard no_grad;
    for (auto& p : parameters) p.sub_(0.05 * p.grad());
  }
  const double after = mean_eval_loss();
  EXPECT_LT(after, 0.6 * before) << "before " << before << ", after " << after;
}

TEST_F(ToyPixelPluginTest, CaptionsActAsBagsOfWords) {
  PluginObject<ModelSpec> model = make_model();
  finetrain::TensorMap c = model->encode_conditions({"Red square", "square, red!", "blue circle", ""});
  at::Tensor words = c.at("encoder_attention_mask").sum(1);
  EXPECT_EQ(words[0].item<int64_t>(), 2);
  EXPECT_EQ(words[1].item<int64_t>(), 2);
  EXPECT_EQ(words[3].item<int64_t>(), 0) << "an empty caption has no words";
  EXPECT_EQ(c.at("encoder_hidden_states").size(0), 4);
  at::Tensor x = at::zeros({4, 3, 1, 3, 3});
  at::Tensor out = model->forward({x, at::full({4}, 0.5), c});
  EXPECT_TRUE(at::allclose(out[0], out[1])) << "word order, case and punctuation must not matter";
  EXPECT_FALSE(at::allclose(out[0], out[2])) << "different words must condition differently";
  EXPECT_FALSE(at::allclose(out[0], out[3])) << "a caption must condition differently from none";
}

TEST_F(ToyPixelPluginTest, LatentsAreNormalisedPixelsAndDecodeBack) {
  PluginObject<ModelSpec> model = make_model();
  at::Tensor x = pixels({1, 3, 2, 4, 4}, 11);
  finetrain::TensorMap encoded = model->encode_latents(x);
  ASSERT_EQ(encoded.count("latents"), 1u);
  at::Tensor latents = model->prepare_latents(encoded, generator(0));
  EXPECT_TRUE(at::allclose(latents, x / 0.5)) << "tiny preset: mean 0, std 0.5 per channel";
  EXPECT_TRUE(at::allclose(model->decode_latents(latents), x, 1e-6, 1e-6));
  EXPECT_THROW(model->encode_latents(at::zeros({1, 4, 1, 2, 2})), finetrain::Error);
  EXPECT_THROW(model->prepare_latents({{"mean", latents}}, generator(0)), finetrain::Error);
}

TEST_F(ToyPixelPluginTest, SampleIsSeededAndReturnsPixels) {
  PluginObject<ModelSpec> model = make_model();
  finetrain::SampleRequest request;
  request.prompt = "a red square";
  request.negative_prompt = "blurry";
  request.height = 6;
  request.width = 5;
  request.num_frames = 2;
  request.num_inference_steps = 4;
  request.guidance_scale = 3.0;
  request.seed = 42;
  at::Tensor a = model->sample(request);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{1, 3, 2, 6, 5}));
  EXPECT_TRUE(at::isfinite(a).all().item<bool>());
  EXPECT_LE(a.abs().max().item<double>(), 1.0);
  EXPECT_FALSE(a.requires_grad());
  EXPECT_TRUE(at::equal(a, model->sample(request))) << "same seed, same sample";
  request.seed = 43;
  EXPECT_FALSE(at::allclose(a, model->sample(request)));
  request.guidance_scale = 1.0;  // unguided: no negative branch
  EXPECT_EQ(model->sample(request).sizes(), a.sizes());
}

TEST_F(ToyPixelPluginTest, SampleAndForwardRejectBadRequestsClearly) {
  PluginObject<ModelSpec> model = make_model();
  finetrain::SampleRequest request;
  request.num_inference_steps = 2;
  try {
    model->sample(request);
    ADD_FAILURE() << "a 0x0 sample was accepted";
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find("height, width and num_frames must be positive"), std::string::npos)
        << e.what();
  }
  request.height = request.width = 4;
  request.first_frame = at::zeros({3, 4, 4});
  EXPECT_THROW(model->sample(request), finetrain::Error);
  try {
    model->forward({at::zeros({2, 3, 1, 2, 2}), at::zeros({2, 1}), model->encode_conditions({"a", "b"})});
    ADD_FAILURE() << "per-frame sigmas were accepted";
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find("sigmas must be [2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(model->forward({at::zeros({1, 3, 1, 2, 2}), at::zeros({1}), {}}), finetrain::Error);
}

TEST_F(ToyPixelPluginTest, PresetsAreSeededWithoutTouchingTheGlobalGenerator) {
  at::manual_seed(123);
  at::Tensor expected = at::randn({4});
  at::manual_seed(123);
  PluginObject<ModelSpec> a = make_model(5);
  EXPECT_TRUE(at::equal(at::randn({4}), expected)) << "load() drew from the global generator";
  PluginObject<ModelSpec> b = make_model(5);
  PluginObject<ModelSpec> c = make_model(6);
  auto first = [](PluginObject<ModelSpec>& m) { return m->denoiser().named_parameters()["proj_in.weight"]; };
  EXPECT_TRUE(at::equal(first(a), first(b)));
  EXPECT_FALSE(at::equal(first(a), first(c)));
  PluginObject<ModelSpec> small = make_model(5, "small");
  EXPECT_EQ(small->blocks().blocks().size(), 4u);
  PluginObject<ModelSpec> unknown = plugin_host().create<ModelSpec>("toy-pixel");
  finetrain::ModelContext context;
  context.options.set("preset", std::string("huge"));
  EXPECT_THROW(unknown->configure(context), finetrain::Error);
}

TEST_F(ToyPixelPluginTest, StateDictAdapterRoundTripsEveryKeyAndRefusesStrangers) {
  PluginObject<ModelSpec> model = make_model();
  const finetrain::StateDictAdapter& adapter = model->state_dict_adapter();
  std::set<std::string> originals;
  for (const auto& p : model->denoiser().named_parameters()) {
    const std::string original = adapter.from_diffusers(p.key(), KeyFormat::Original);
    EXPECT_EQ(adapter.to_diffusers(original, KeyFormat::Original), p.key());
    EXPECT_EQ(adapter.from_diffusers(p.key(), KeyFormat::Comfy), original);
    EXPECT_EQ(adapter.from_diffusers(p.key(), KeyFormat::Diffusers), p.key());
    originals.insert(original);
  }
  EXPECT_EQ(originals.size(), model->denoiser().named_parameters().size()) << "two keys map to one name";
  EXPECT_EQ(adapter.from_diffusers("transformer_blocks.1.ff.net.2.lora_A.weight", KeyFormat::Original),
            "blocks.1.mlp.fc2.lora_A.weight");
  EXPECT_EQ(adapter.to_diffusers("final_layer.linear.bias", KeyFormat::Comfy), "proj_out.bias");
  try {
    adapter.from_diffusers("transformer_blocks.0.attn1.to_q.weight", KeyFormat::Original);
    ADD_FAILURE() << "an unknown key was converted";
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find("transformer_blocks.0.attn1.to_q.weight"), std::string::npos) << e.what();
  }
}

TEST_F(ToyPixelPluginTest, ComponentBuilderBuildsTheSameDenoiserFromItsConfig) {
  PluginObject<ModelSpec> model = make_model();
  const std::string config = R"({"_class_name": "ToyPixelTransformer2DModel", "_diffusers_version": "0.35.0",
    "in_channels": 3, "out_channels": 3, "num_layers": 2, "hidden_size": 32, "ff_inner_dim": 64,
    "caption_channels": 16, "timestep_channels": 32, "position_frequencies": 4})";
  std::unique_ptr<finetrain::ParityComponent> built;
  for (const auto& b : model->component_builders())
    if (b.class_name == "ToyPixelTransformer2DModel") built = b.build(config, c10::Device(c10::kCPU));
  ASSERT_TRUE(built);
  {
    at::NoGradGuard no_grad;
    auto source = model->denoiser().named_parameters();
    for (auto& p : built->module()->named_parameters()) p.value().copy_(source[p.key()]);
  }
  finetrain::TensorMap conditions = model->encode_conditions({"two words"});
  at::Tensor x = pixels({1, 3, 1, 3, 4}, 8);
  at::Tensor expected = model->forward({x, at::full({1}, 0.4), conditions});
  finetrain::TensorMap out = built->run({{"hidden_states", x},
                                         {"encoder_hidden_states", conditions.at("encoder_hidden_states")},
                                         {"encoder_attention_mask", conditions.at("encoder_attention_mask")},
                                         {"timestep", at::full({1}, 400.0)}},
                                        "transformer(hidden_states, encoder_hidden_states, timestep)");
  EXPECT_TRUE(at::allclose(out.at("sample"), expected, 1e-5, 1e-6));
  for (const auto& b : model->component_builders()) {
    if (b.class_name != "ToyPixelTransformer2DModel") continue;
    try {
      b.build(R"({"num_layers": 2, "hidden_dim": 8})", c10::Device(c10::kCPU));
      ADD_FAILURE() << "an unknown config key was accepted";
    } catch (const finetrain::Error& e) {
      EXPECT_NE(std::string(e.what()).find("unknown key 'hidden_dim'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
