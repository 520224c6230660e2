// LtxVideoModelSpec as the engine drives it. A diffusers-layout directory is assembled from the
// reference fixtures (the transformer and VAE exactly as diffusers saved them; the transformer stored
// in bf16 and sharded with an index), a T5 encoder under transformers' names and a SentencePiece model
// trained here: it loads with the weights cast to the run's dtype, a missing tensor is named, and the
// whole ModelSpec path (captions, pixels, latents, forward, backward) runs on it and on the tiny preset.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/full.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "finetrain/t5_encoder.hpp"
#include "finetrain/text_file.hpp"
#include "model_spec.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_host.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;
using ltx_video::LtxVideoModelSpec;
using testing::error_of;

constexpr int64_t kCaptionWidth = 24;  // the transformer fixture's caption_channels

class LtxVideoModelSpecTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new host::PluginHost();
    const host::PluginStatus& status = host_->load_file(testing::plugin_dir() + "/ft_tokenizer_sentencepiece.so");
    ASSERT_TRUE(status.loaded) << status.error;
    services_ = new host::PluginHostServices(*host_);
  }
  static void TearDownTestSuite() {
    delete services_;
    delete host_;
  }

  // The model section as the config system hands it over: every default, then `values`.
  static Options model_options(const std::map<std::string, std::string>& values) {
    Options options;
    const ConfigSchema schema = ltx_video::ltx_video_options_schema();  // keys() refers into it
    for (const OptionSpec& spec : schema.keys())
      options.set(spec.key.substr(std::string("model.").size()), spec.default_value);
    for (const auto& [key, value] : values) options.set(key, value);
    return options;
  }

  static ModelContext context_for(const std::map<std::string, std::string>& values) {
    ModelContext context;
    context.options = model_options(values);
    context.seed = 5;
    context.host = services_;
    return context;
  }

  // diffusers' layout: model_index.json, transformer/ (two bf16 shards + index), vae/, text_encoder/, tokenizer/.
  void write_diffusers_directory(const std::string& transformer_fixture, const std::string& vae_fixture,
                                 const std::string& t5_fixture) {
    fs::create_directories(dir_ / "transformer");
    fs::create_directories(dir_ / "vae");
    fs::create_directories(dir_ / "text_encoder");
    fs::create_directories(dir_ / "tokenizer");
    std::ofstream(dir_ / "model_index.json") << R"({"_class_name": "LTXPipeline"})";

    fs::copy_file(fs::path(transformer_fixture) / "config.json", dir_ / "transformer" / "config.json");
    TensorMap shards[2];
    nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
    const std::string names[2] = {"diffusion_pytorch_model-00001-of-00002.safetensors",
                                  "diffusion_pytorch_model-00002-of-00002.safetensors"};
    int i = 0;
    for (const auto& [name, tensor] :
         safetensors::load((fs::path(transformer_fixture) / "weights.safetensors").string())) {
      shards[i % 2][name] = tensor.to(at::kBFloat16);
      index["weight_map"][name] = names[i % 2];
      ++i;
    }
    for (int s = 0; s < 2; ++s) safetensors::save((dir_ / "transformer" / names[s]).string(), shards[s]);
    std::ofstream(dir_ / "transformer" / "diffusion_pytorch_model.safetensors.index.json") << index.dump(2);

    fs::copy_file(fs::path(vae_fixture) / "config.json", dir_ / "vae" / "config.json");
    fs::copy_file(fs::path(vae_fixture) / "weights.safetensors", dir_ / "vae" / "diffusion_pytorch_model.safetensors");

    // The T5 fixture's architecture at the transformer's caption width, random weights, transformers' names.
    nlohmann::json t5 = nlohmann::json::parse(read_text_file((fs::path(t5_fixture) / "config.json").string()));
    t5["d_model"] = kCaptionWidth;
    std::ofstream(dir_ / "text_encoder" / "config.json") << t5.dump(2);
    T5Encoder encoder(T5EncoderConfig::from_json(t5.dump(), "text_encoder/config.json"));
    encoder.init_random(3);
    safetensors::save((dir_ / "text_encoder" / "model.safetensors").string(), module_state(encoder.module()));

    train_tokenizer(dir_ / "tokenizer", t5["vocab_size"].get<int64_t>());
  }

  static void train_tokenizer(const fs::path& dir, int64_t vocab_limit) {
    {
      std::ofstream corpus(dir / "corpus.txt");
      for (int i = 0; i < 200; ++i)
        corpus << "a slow zoom into a colorful fractal " << i % 7 << "\nwaves of light over a dark sea\n";
    }
    std::string output;
    const int rc = testing::run_command(
        "spm_train --input=" + (dir / "corpus.txt").string() + " --model_prefix=" + (dir / "spiece").string() +
            " --vocab_size=" + std::to_string(vocab_limit - 28) +
            " --hard_vocab_limit=false --model_type=unigram --character_coverage=1.0 --num_threads=1 --minloglevel=2"
            " --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1",
        &output, 120);
    ASSERT_EQ(rc, 0) << output;
  }

  // One LoRA-free training step through the ModelSpec: captions and pixels encoded, latents prepared,
  // the denoiser run at sigma 0.5 and a loss backpropagated. Returns the denoiser's parameters without a gradient.
  static std::vector<std::string> train_step(ModelSpec& spec, int64_t frames, int64_t height, int64_t width) {
    const TensorMap conditions = spec.encode_conditions({"a slow zoom into a colorful fractal"});
    EXPECT_EQ(conditions.at("encoder_hidden_states").size(0), 1);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(11);
    const at::Tensor pixels = at::rand({1, 3, frames, height, width}, generator) * 2 - 1;
    const at::Tensor latents = spec.prepare_latents(spec.encode_latents(pixels), generator);
    DenoiserInput input;
    input.noisy_latents = latents;
    input.sigmas = at::full({1}, 0.5);
    input.conditions = conditions;
    const at::Tensor prediction = spec.forward(input);
    EXPECT_EQ(prediction.sizes(), latents.sizes());
    prediction.to(at::kFloat).square().mean().backward();
    std::vector<std::string> without_gradient;
    for (const auto& p : spec.denoiser().named_parameters())
      if (!p.value().grad().defined()) without_gradient.push_back(p.key());
    return without_gradient;
  }

  fs::path dir_ = testing::make_temp_dir("ltx-model-spec");
  static inline host::PluginHost* host_ = nullptr;
  static inline host::PluginHostServices* services_ = nullptr;
};

TEST_F(LtxVideoModelSpecTest, LoadsADiffusersDirectoryCastToTheRunDtypeAndTrainsOnIt) {
  FT_REQUIRE_FIXTURE(transformer_fixture, "ltx/transformer");
  FT_REQUIRE_FIXTURE(vae_fixture, "ltx/vae");
  FT_REQUIRE_FIXTURE(t5_fixture, "text_encoders/t5");
  write_diffusers_directory(transformer_fixture, vae_fixture, t5_fixture);

  LtxVideoModelSpec spec;
  spec.configure(context_for({{"path", dir_.string()}, {"preset", "ltxv-2b-0.9.5"}}));  // the directory wins
  spec.load(kAllComponents);
  // Every transformer tensor is the stored bf16 value, now float32; the VAE is diffusers' own.
  const TensorMap reference = safetensors::load((fs::path(transformer_fixture) / "weights.safetensors").string());
  const TensorMap loaded = module_state(spec.denoiser());
  ASSERT_EQ(loaded.size(), reference.size());
  for (const auto& [name, tensor] : reference) {
    ASSERT_TRUE(loaded.count(name)) << name;
    EXPECT_EQ(loaded.at(name).scalar_type(), at::kFloat) << name;
    EXPECT_TRUE(at::equal(loaded.at(name), tensor.to(at::kBFloat16).to(at::kFloat))) << name;
  }
  EXPECT_EQ(spec.traits().latent_channels, reference.at("proj_in.weight").size(1));
  EXPECT_TRUE(train_step(spec, 9, 64, 64).empty());
}

TEST_F(LtxVideoModelSpecTest, AMissingTensorIsNamedWithTheDirectory) {
  FT_REQUIRE_FIXTURE(transformer_fixture, "ltx/transformer");
  FT_REQUIRE_FIXTURE(vae_fixture, "ltx/vae");
  FT_REQUIRE_FIXTURE(t5_fixture, "text_encoders/t5");
  write_diffusers_directory(transformer_fixture, vae_fixture, t5_fixture);
  TensorMap vae = safetensors::load((dir_ / "vae" / "diffusion_pytorch_model.safetensors").string());
  vae.erase("decoder.conv_in.conv.weight");
  safetensors::save((dir_ / "vae" / "diffusion_pytorch_model.safetensors").string(), vae);

  LtxVideoModelSpec spec;
  spec.configure(context_for({{"path", dir_.string()}}));
  const std::string message = error_of([&] { spec.load(kVae); });
  EXPECT_NE(message.find((dir_ / "vae").string()), std::string::npos) << message;
  EXPECT_NE(message.find("1 missing"), std::string::npos) << message;
  EXPECT_NE(message.find("decoder.conv_in.conv.weight"), std::string::npos) << message;
}

TEST_F(LtxVideoModelSpecTest, TinyPresetRunsForwardAndBackward) {
  LtxVideoModelSpec spec;
  spec.configure(context_for({}));
  spec.load(kAllComponents);
  EXPECT_TRUE(train_step(spec, 9, 64, 64).empty());
  // Decoding gives pixels of the encoded size.
  const at::Tensor latents = at::zeros({1, spec.traits().latent_channels, 2, 2, 2});
  EXPECT_EQ(spec.decode_latents(latents).sizes(), (std::vector<int64_t>{1, 3, 9, 64, 64}));
}

}  // namespace
}  // namespace finetrain
