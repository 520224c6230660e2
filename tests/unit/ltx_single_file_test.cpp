// Original single-file LTX-Video checkpoints (transformer under "model.diffusion_model.", VAE under "vae."):
// - the key conversion of every released VAE layout, on the full configurations' keys (built on the meta device),
//   against a transcription of diffusers' own conversion (substring replacement in dict order);
// - layout detection and the check of model.preset against the file;
// - numeric round trips: our weights exported under the original names (the inverse conversion), written as one
//   safetensors file, loaded back through build_vae / the ModelSpec, with identical weights and outputs;
// - the readable diff of missing / unexpected keys.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <set>
#include <utility>

#include "components.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "model_spec.hpp"
#include "options.hpp"
#include "original_checkpoint.hpp"
#include "state_dict_adapter.hpp"
#include "test_support.hpp"
#include "transformer/presets.hpp"
#include "transformer_init.hpp"
#include "vae/layers.hpp"
#include "vae/original_key_names.hpp"
#include "vae/presets.hpp"

namespace {

namespace fs = std::filesystem;
namespace ltx = finetrain::ltx_video;
namespace vae = finetrain::ltx_video::vae;
using finetrain::TensorMap;
using vae::OriginalVaeLayout;

// ---------------------------------------------------------------------------------------------------------------
// diffusers' conversion, transcribed: loaders/single_file_utils.py convert_ltx_vae_checkpoint_to_diffusers() and
// convert_ltx_transformer_checkpoint_to_diffusers() (diffusers 58eb52c0). Python's dict.update keeps an existing
// key's place and appends new keys; str.replace replaces every occurrence, left to right.

using Dict = std::vector<std::pair<std::string, std::string>>;

void update(Dict& dict, const Dict& more) {
  for (const auto& [key, value] : more) {
    auto it = std::find_if(dict.begin(), dict.end(), [&](const auto& entry) { return entry.first == key; });
    if (it != dict.end())
      it->second = value;
    else
      dict.emplace_back(key, value);
  }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// Returns "" for the keys VAE_SPECIAL_KEYS_REMAP removes.
std::string diffusers_vae_conversion(const std::string& file_key, OriginalVaeLayout layout) {
  Dict dict = {{"vae.", ""},
               {"up_blocks.0", "mid_block"},
               {"up_blocks.1", "up_blocks.0"},
               {"up_blocks.2", "up_blocks.1.upsamplers.0"},
               {"up_blocks.3", "up_blocks.1"},
               {"up_blocks.4", "up_blocks.2.conv_in"},
               {"up_blocks.5", "up_blocks.2.upsamplers.0"},
               {"up_blocks.6", "up_blocks.2"},
               {"up_blocks.7", "up_blocks.3.conv_in"},
               {"up_blocks.8", "up_blocks.3.upsamplers.0"},
               {"up_blocks.9", "up_blocks.3"},
               {"down_blocks.0", "down_blocks.0"},
               {"down_blocks.1", "down_blocks.0.downsamplers.0"},
               {"down_blocks.2", "down_blocks.0.conv_out"},
               {"down_blocks.3", "down_blocks.1"},
               {"down_blocks.4", "down_blocks.1.downsamplers.0"},
               {"down_blocks.5", "down_blocks.1.conv_out"},
               {"down_blocks.6", "down_blocks.2"},
               {"down_blocks.7", "down_blocks.2.downsamplers.0"},
               {"down_blocks.8", "down_blocks.3"},
               {"down_blocks.9", "mid_block"},
               {"conv_shortcut", "conv_shortcut.conv"},
               {"res_blocks", "resnets"},
               {"norm3.norm", "norm3"},
               {"per_channel_statistics.mean-of-means", "latents_mean"},
               {"per_channel_statistics.std-of-means", "latents_std"}};
  const Dict decoder_091 = {{"up_blocks.0", "mid_block"},   {"up_blocks.1", "up_blocks.0.upsamplers.0"},
                            {"up_blocks.2", "up_blocks.0"}, {"up_blocks.3", "up_blocks.1.upsamplers.0"},
                            {"up_blocks.4", "up_blocks.1"}, {"up_blocks.5", "up_blocks.2.upsamplers.0"},
                            {"up_blocks.6", "up_blocks.2"}, {"up_blocks.7", "up_blocks.3.upsamplers.0"},
                            {"up_blocks.8", "up_blocks.3"}};
  const Dict encoder_095 = {{"down_blocks.0", "down_blocks.0"}, {"down_blocks.1", "down_blocks.0.downsamplers.0"},
                            {"down_blocks.2", "down_blocks.1"}, {"down_blocks.3", "down_blocks.1.downsamplers.0"},
                            {"down_blocks.4", "down_blocks.2"}, {"down_blocks.5", "down_blocks.2.downsamplers.0"},
                            {"down_blocks.6", "down_blocks.3"}, {"down_blocks.7", "down_blocks.3.downsamplers.0"},
                            {"down_blocks.8", "mid_block"}};
  const Dict timestep = {{"last_time_embedder", "time_embedder"}, {"last_scale_shift_table", "scale_shift_table"}};
  if (layout == OriginalVaeLayout::V0_9_5) {
    update(dict, decoder_091);
    update(dict, encoder_095);
    update(dict, timestep);
  } else if (layout == OriginalVaeLayout::V0_9_1) {
    update(dict, decoder_091);
    update(dict, timestep);
  }
  std::string key = file_key;
  for (const auto& [from, to] : dict) key = replace_all(key, from, to);
  for (const char* removed : {"per_channel_statistics.channel", "per_channel_statistics.mean-of-means",
                              "per_channel_statistics.mean-of-stds"})
    if (key.find(removed) != std::string::npos) return {};
  return key;
}

std::string diffusers_transformer_conversion(std::string key) {
  const Dict dict = {{"model.diffusion_model.", ""},
                     {"patchify_proj", "proj_in"},
                     {"adaln_single", "time_embed"},
                     {"q_norm", "norm_q"},
                     {"k_norm", "norm_k"}};
  for (const auto& [from, to] : dict) key = replace_all(key, from, to);
  return key;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

at::Generator seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A released VAE's tensors (names and shapes) without allocating them.
TensorMap meta_vae_state(const vae::LtxVaeConfig& config) {
  vae::AutoencoderKLLTXVideo model(config, at::TensorOptions().device(at::kMeta));
  return finetrain::module_state(model);
}

OriginalVaeLayout layout_of_preset(const std::string& vae_preset) {
  return vae::original_vae_layout(vae::ltx_vae_preset(vae_preset));
}

// The block structure of a released VAE at toy widths: one layer per block, the same block types, resamplers,
// channel changes (equal / different neighbouring widths) and conditioning as the release.
vae::LtxVaeConfig small_vae_config(OriginalVaeLayout layout) {
  if (layout == OriginalVaeLayout::V0_9_5) return vae::ltx_vae_preset("tiny");
  vae::LtxVaeConfig c = vae::ltx_vae_preset(layout == OriginalVaeLayout::V0_9_0 ? "0.9.0" : "0.9.1");
  c.latent_channels = 16;
  c.block_out_channels = {8, 16, 32, 32};
  c.layers_per_block = {1, 1, 1, 1, 1};
  if (layout == OriginalVaeLayout::V0_9_0) {
    c.decoder_block_out_channels = {8, 16, 32, 32};
    c.decoder_layers_per_block = {1, 1, 1, 1, 1};
  } else {
    c.decoder_block_out_channels = {8, 16, 32};
    c.decoder_layers_per_block = {1, 1, 1, 1};
  }
  return c;
}

// A VAE with random weights and non-trivial latent statistics, in eval mode.
std::shared_ptr<vae::AutoencoderKLLTXVideo> random_vae(const vae::LtxVaeConfig& config, uint64_t seed) {
  auto model = std::make_shared<vae::AutoencoderKLLTXVideo>(config);
  vae::reset_parameters(*model, seeded(seed));
  c10::NoGradGuard no_grad;
  auto buffers = model->named_buffers();
  buffers["latents_mean"].copy_(at::randn(buffers["latents_mean"].sizes(), seeded(seed + 1)));
  buffers["latents_std"].copy_(at::rand(buffers["latents_std"].sizes(), seeded(seed + 2)) + 0.5);
  model->eval();
  return model;
}

// `vae_model`'s and `transformer`'s tensors under the original names, plus the statistics diffusers drops.
TensorMap original_state(const torch::nn::Module& vae_model, OriginalVaeLayout layout,
                         const torch::nn::Module& transformer) {
  TensorMap file;
  for (const auto& [name, tensor] : finetrain::module_state(vae_model))
    file.emplace("vae." + vae::vae_key_to_original(name, layout), tensor.detach());
  const int64_t channels = file.at("vae.per_channel_statistics.std-of-means").size(0);
  file.emplace("vae.per_channel_statistics.channel", at::arange(channels));
  file.emplace("vae.per_channel_statistics.mean-of-stds", at::rand({channels}));
  file.emplace("vae.per_channel_statistics.mean-of-stds_over_std-of-means", at::rand({channels}));
  const ltx::LtxStateDictAdapter adapter;
  for (const auto& [name, tensor] : finetrain::module_state(transformer))
    file.emplace("model.diffusion_model." + adapter.from_diffusers(name, finetrain::KeyFormat::Original),
                 tensor.detach());
  return file;
}

std::shared_ptr<ltx::LtxVideoTransformer3DModelImpl> tiny_transformer(uint64_t seed) {
  auto model = std::make_shared<ltx::LtxVideoTransformer3DModelImpl>(ltx::ltx_transformer_preset("tiny"));
  ltx::init_transformer_randomly(*model, seeded(seed));
  return model;
}

void expect_same_state(const torch::nn::Module& a, const torch::nn::Module& b) {
  const TensorMap sa = finetrain::module_state(a), sb = finetrain::module_state(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [name, tensor] : sa) {
    ASSERT_TRUE(sb.count(name)) << name;
    EXPECT_TRUE(at::equal(tensor, sb.at(name))) << name;
  }
}

using finetrain::testing::error_of;

class LtxSingleFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = finetrain::testing::make_temp_dir("ltx_single_file"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string dir_;
};

ltx::Architecture single_file_architecture(const std::string& path, const vae::LtxVaeConfig& vae_config) {
  ltx::Architecture a;
  a.source = ltx::WeightsSource::SingleFile;
  a.path = path;
  a.transformer = ltx::ltx_transformer_preset("tiny");
  a.vae = vae_config;
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Key conversion of the released VAEs

TEST(LtxOriginalVaeKeys, EveryKeyOfTheReleasedVaesConvertsAsInDiffusers) {
  for (const std::string preset : {"0.9.0", "0.9.1", "0.9.5", "tiny"}) {
    const OriginalVaeLayout layout = layout_of_preset(preset);
    const TensorMap state = meta_vae_state(vae::ltx_vae_preset(preset));
    std::set<std::string> originals;
    for (const auto& [name, tensor] : state) {
      const std::string original = vae::vae_key_to_original(name, layout);
      EXPECT_EQ(diffusers_vae_conversion("vae." + original, layout), name) << preset << ": " << original;
      EXPECT_EQ(vae::vae_key_from_original(original, layout), name) << preset << ": " << original;
      originals.insert(original);
    }
    EXPECT_EQ(originals.size(), state.size()) << preset << ": two keys share an original name";
    EXPECT_EQ(vae::detect_original_vae_layout({originals.begin(), originals.end()}, preset), layout) << preset;
  }
}

TEST(LtxOriginalVaeKeys, LayoutsOfThePresets) {
  EXPECT_EQ(layout_of_preset("0.9.0"), OriginalVaeLayout::V0_9_0);
  EXPECT_EQ(layout_of_preset("0.9.1"), OriginalVaeLayout::V0_9_1);
  EXPECT_EQ(layout_of_preset("0.9.5"), OriginalVaeLayout::V0_9_5);
  EXPECT_EQ(layout_of_preset("tiny"), OriginalVaeLayout::V0_9_5);
  EXPECT_STREQ(vae::to_string(OriginalVaeLayout::V0_9_1), "0.9.1");
}

// Names diffusers' single-file loader looks for (CHECKPOINT_KEY_NAMES["ltx-video"], infer_diffusers_model_type):
// our inverse conversion must produce them, and diffusers' 0.9.5 shape test must agree with our layout detection.
TEST(LtxOriginalVaeKeys, DiffusersDetectionKeysExist) {
  auto originals_of = [](const std::string& preset) {
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& [name, tensor] : meta_vae_state(vae::ltx_vae_preset(preset)))
      out.emplace(vae::vae_key_to_original(name, layout_of_preset(preset)), tensor.sizes().vec());
    return out;
  };
  const auto v090 = originals_of("0.9.0"), v091 = originals_of("0.9.1"), v095 = originals_of("0.9.5");
  EXPECT_TRUE(v090.count("decoder.up_blocks.9.res_blocks.0.conv1.conv.weight"));
  for (const auto* originals : {&v090, &v091, &v095}) EXPECT_TRUE(originals->count("encoder.conv_in.conv.bias"));
  for (const auto* originals : {&v091, &v095}) {
    EXPECT_TRUE(originals->count("decoder.last_scale_shift_table"));
    EXPECT_TRUE(originals->count("decoder.last_time_embedder.timestep_embedder.linear_1.weight"));
    EXPECT_TRUE(originals->count("decoder.timestep_scale_multiplier"));
  }
  EXPECT_FALSE(v090.count("decoder.last_time_embedder.timestep_embedder.linear_1.weight"));
  EXPECT_EQ(v095.at("encoder.conv_out.conv.weight")[1], 2048);
  EXPECT_EQ(v091.at("encoder.conv_out.conv.weight")[1], 512);
  EXPECT_EQ(v090.at("encoder.conv_out.conv.weight")[1], 512);
  // The original module structure: bare Conv3d shortcuts, LayerNorm wrappers, flat block lists.
  EXPECT_TRUE(v090.count("encoder.down_blocks.2.conv_shortcut.weight"));
  EXPECT_TRUE(v090.count("encoder.down_blocks.2.norm3.norm.weight"));
  EXPECT_TRUE(v090.count("encoder.down_blocks.9.res_blocks.3.conv2.conv.bias"));
  EXPECT_TRUE(v095.count("encoder.down_blocks.8.res_blocks.1.conv1.conv.weight"));
  EXPECT_TRUE(v095.count("decoder.up_blocks.6.res_blocks.4.conv2.conv.weight"));
  EXPECT_TRUE(v095.count("per_channel_statistics.mean-of-means"));
  EXPECT_TRUE(v095.count("per_channel_statistics.std-of-means"));
}

TEST(LtxOriginalVaeKeys, DropsTheStatisticsDiffusersDrops) {
  for (const auto layout : {OriginalVaeLayout::V0_9_0, OriginalVaeLayout::V0_9_1, OriginalVaeLayout::V0_9_5}) {
    for (const char* key : {"per_channel_statistics.channel", "per_channel_statistics.mean-of-stds",
                            "per_channel_statistics.mean-of-stds_over_std-of-means"}) {
      EXPECT_EQ(vae::vae_key_from_original(key, layout), "") << key;
      EXPECT_EQ(diffusers_vae_conversion(std::string("vae.") + key, layout), "") << key;
    }
    EXPECT_EQ(vae::vae_key_from_original("per_channel_statistics.mean-of-means", layout), "latents_mean");
    EXPECT_EQ(vae::vae_key_from_original("per_channel_statistics.std-of-means", layout), "latents_std");
    // Keys of no known module pass through, so that a strict load reports them.
    EXPECT_EQ(vae::vae_key_from_original("encoder.extra.weight", layout), "encoder.extra.weight");
  }
}

TEST(LtxOriginalVaeKeys, DetectionRejectsUnknownStructures) {
  const std::string message = error_of([] {
    vae::detect_original_vae_layout(
        {"encoder.down_blocks.0.res_blocks.0.conv1.conv.weight", "decoder.up_blocks.0.res_blocks.0.conv1.conv.weight"},
        "f.safetensors");
  });
  EXPECT_NE(message.find("f.safetensors: not the VAE of a released LTX-Video: 1 encoder blocks"), std::string::npos)
      << message;
  EXPECT_NE(message.find("0.9.5: 9 / 7 / yes"), std::string::npos) << message;
}

TEST(LtxOriginalTransformerKeys, EveryKeyConvertsAsInDiffusers) {
  const ltx::LtxStateDictAdapter adapter;
  auto model = tiny_transformer(1);
  std::set<std::string> originals;
  for (const auto& [name, tensor] : finetrain::module_state(*model)) {
    const std::string original = adapter.from_diffusers(name, finetrain::KeyFormat::Original);
    EXPECT_EQ(diffusers_transformer_conversion("model.diffusion_model." + original), name);
    EXPECT_EQ(adapter.to_diffusers(original, finetrain::KeyFormat::Original), name);
    originals.insert(original);
  }
  for (const char* key :
       {"patchify_proj.weight", "adaln_single.emb.timestep_embedder.linear_1.weight", "adaln_single.linear.weight",
        "transformer_blocks.1.attn1.q_norm.weight", "transformer_blocks.1.attn2.k_norm.weight",
        "caption_projection.linear_1.weight", "scale_shift_table", "proj_out.weight"})
    EXPECT_TRUE(originals.count(key)) << key;
}

// ---------------------------------------------------------------------------------------------------------------
// What a file holds and model.preset

ltx::KeyShapes transformer_key_shapes(const ltx::LtxTransformerConfig& c) {
  ltx::KeyShapes keys;
  const std::string p = "model.diffusion_model.";
  keys[p + "patchify_proj.weight"] = {c.inner_dim(), c.in_channels};
  keys[p + "caption_projection.linear_1.weight"] = {c.inner_dim(), c.caption_channels};
  for (int64_t i = 0; i < c.num_layers; ++i)
    keys[p + "transformer_blocks." + std::to_string(i) + ".scale_shift_table"] = {6, c.inner_dim()};
  return keys;
}

ltx::KeyShapes vae_key_shapes(const std::string& vae_preset) {
  ltx::KeyShapes keys;
  for (const auto& [name, tensor] : meta_vae_state(vae::ltx_vae_preset(vae_preset)))
    keys["vae." + vae::vae_key_to_original(name, layout_of_preset(vae_preset))] = tensor.sizes().vec();
  return keys;
}

ltx::KeyShapes release(const std::string& transformer_preset, const std::string& vae_preset) {
  ltx::KeyShapes keys = transformer_key_shapes(ltx::ltx_transformer_preset(transformer_preset));
  for (auto& entry : vae_key_shapes(vae_preset)) keys.insert(entry);
  return keys;
}

TEST(LtxOriginalCheckpoint, InspectsTheReleases) {
  const auto v095 = ltx::inspect_original_checkpoint(release("ltxv-2b", "0.9.5"), "f");
  ASSERT_TRUE(v095.transformer && v095.vae);
  EXPECT_EQ(*v095.transformer, ltx::TransformerShape::of(ltx::ltx_transformer_preset("ltxv-2b")));
  EXPECT_EQ(v095.transformer->describe(), "28 blocks, width 2048, 128 latent channels, 4096 caption channels");
  EXPECT_EQ(*v095.vae, OriginalVaeLayout::V0_9_5);
  const auto v13b = ltx::inspect_original_checkpoint(release("ltxv-13b", "0.9.5"), "f");
  EXPECT_EQ(v13b.transformer->describe(), "48 blocks, width 4096, 128 latent channels, 4096 caption channels");
  EXPECT_EQ(*ltx::inspect_original_checkpoint(release("ltxv-2b", "0.9.0"), "f").vae, OriginalVaeLayout::V0_9_0);

  // Transformer-only files (diffusers also accepts bare keys) and VAE-only files.
  ltx::KeyShapes bare;
  for (const auto& [key, shape] : transformer_key_shapes(ltx::ltx_transformer_preset("ltxv-2b")))
    bare[key.substr(std::string("model.diffusion_model.").size())] = shape;
  const auto transformer_only = ltx::inspect_original_checkpoint(bare, "f");
  EXPECT_EQ(transformer_only.transformer->num_layers, 28);
  EXPECT_FALSE(transformer_only.vae);
  EXPECT_FALSE(ltx::inspect_original_checkpoint(vae_key_shapes("0.9.1"), "f").transformer);
}

TEST(LtxOriginalCheckpoint, PresetMustFitTheFile) {
  auto check = [](const ltx::KeyShapes& keys, const std::string& preset) {
    return error_of([&] {
      ltx::check_original_checkpoint(ltx::inspect_original_checkpoint(keys, "ckpt.safetensors"), preset,
                                     "ckpt.safetensors");
    });
  };
  EXPECT_EQ(check(release("ltxv-2b", "0.9.1"), "ltxv-2b-0.9.5"),
            "model.path ckpt.safetensors holds an LTX-Video 0.9.1 VAE but model.preset is ltxv-2b-0.9.5 (its VAE is "
            "0.9.5); presets that fit the file: ltxv-2b-0.9.1");
  EXPECT_EQ(check(release("ltxv-13b", "0.9.5"), "ltxv-2b-0.9.5"),
            "model.path ckpt.safetensors holds an LTX-Video transformer of 48 blocks, width 4096, 128 latent channels, "
            "4096 caption channels but model.preset ltxv-2b-0.9.5 has 28 blocks, width 2048, 128 latent channels, "
            "4096 caption channels; presets that fit the file: ltxv-13b-0.9.7, ltxv-13b-0.9.8");
  const std::string both = check(release("ltxv-13b", "0.9.0"), "ltxv-2b-0.9.5");
  EXPECT_NE(both.find("48 blocks"), std::string::npos) << both;
  EXPECT_NE(both.find(", and an LTX-Video 0.9.0 VAE"), std::string::npos) << both;
  EXPECT_NE(both.find("presets that fit the file: none"), std::string::npos) << both;
  EXPECT_NE(check(vae_key_shapes("0.9.5"), "ltxv-2b-0.9.5").find("holds no transformer"), std::string::npos);

  // Releases that share an architecture are interchangeable; a file without VAE passes the check.
  for (const std::string preset : {"ltxv-2b-0.9.5", "ltxv-2b-0.9.6"})
    EXPECT_EQ(check(release("ltxv-2b", "0.9.5"), preset), "(no error)") << preset;
  EXPECT_EQ(check(release("ltxv-2b", "0.9.0"), "ltxv-2b-0.9.0"), "(no error)");
  EXPECT_EQ(check(release("ltxv-13b", "0.9.5"), "ltxv-13b-0.9.8"), "(no error)");
  EXPECT_EQ(check(transformer_key_shapes(ltx::ltx_transformer_preset("ltxv-2b")), "ltxv-2b-0.9.1"), "(no error)");
}

// ---------------------------------------------------------------------------------------------------------------
// Numeric round trips through a real file

TEST_F(LtxSingleFile, EveryVaeLayoutLoadsBackIdentically) {
  c10::NoGradGuard no_grad;
  const auto transformer = tiny_transformer(3);
  for (const auto layout : {OriginalVaeLayout::V0_9_0, OriginalVaeLayout::V0_9_1, OriginalVaeLayout::V0_9_5}) {
    SCOPED_TRACE(vae::to_string(layout));
    const vae::LtxVaeConfig config = small_vae_config(layout);
    ASSERT_EQ(vae::original_vae_layout(config), layout);
    const auto reference = random_vae(config, 11);
    const std::string file = path(std::string("ltx-") + vae::to_string(layout) + ".safetensors");
    finetrain::safetensors::save(file, original_state(*reference, layout, *transformer));

    auto loaded = ltx::build_vae(single_file_architecture(file, config), at::kFloat, /*seed=*/99, false);
    loaded->eval();
    expect_same_state(*reference, *loaded);

    const at::Tensor pixels = at::rand({1, 3, 9, 64, 64}, seeded(5)) * 2 - 1;
    const at::Tensor mean = reference->encode(pixels).mean();
    EXPECT_TRUE(at::equal(mean, loaded->encode(pixels).mean()));
    const at::Tensor temb = config.timestep_conditioning ? at::full({1}, 0.05) : at::Tensor();
    EXPECT_TRUE(at::equal(reference->decode(mean, temb, seeded(6)), loaded->decode(mean, temb, seeded(6))));
    EXPECT_TRUE(at::equal(reference->normalize_latents(mean), loaded->normalize_latents(mean)));
  }
}

finetrain::Options model_options(const std::string& preset, const std::string& model_path) {
  finetrain::Options options;
  const finetrain::ConfigSchema schema = ltx::ltx_video_options_schema();
  for (const auto& spec : schema.keys())
    options.set(spec.key.substr(std::string("model.").size()), spec.default_value);
  options.set("preset", preset);
  options.set("path", model_path);
  return options;
}

std::unique_ptr<ltx::LtxVideoModelSpec> configured_spec(const std::string& preset, const std::string& model_path) {
  finetrain::ModelContext context;
  context.options = model_options(preset, model_path);
  context.seed = 21;
  auto spec = std::make_unique<ltx::LtxVideoModelSpec>();
  spec->configure(context);
  return spec;
}

// The tiny preset from random weights, and the same weights from an original single file: same outputs.
TEST_F(LtxSingleFile, ModelSpecLoadsTheTinyPresetFromASingleFile) {
  c10::NoGradGuard no_grad;
  auto from_seed = configured_spec("tiny", "");
  from_seed->load(finetrain::kDenoiser | finetrain::kVae);
  // The VAE the spec built: build_vae of the same architecture and seed (the spec does not expose its VAE).
  const ltx::Architecture random = ltx::resolve_architecture(ltx::ltx_video_options_from(model_options("tiny", "")));
  const auto vae_model = ltx::build_vae(random, at::kFloat, 21, false);
  const std::string file = path("ltxv-tiny.safetensors");
  finetrain::safetensors::save(file, original_state(*vae_model, OriginalVaeLayout::V0_9_5, from_seed->denoiser()));

  auto from_file = configured_spec("tiny", file);
  from_file->load(finetrain::kDenoiser | finetrain::kVae);
  expect_same_state(from_seed->denoiser(), from_file->denoiser());

  const at::Tensor pixels = at::rand({1, 3, 9, 64, 64}, seeded(8)) * 2 - 1;
  const TensorMap a = from_seed->encode_latents(pixels), b = from_file->encode_latents(pixels);
  EXPECT_TRUE(at::equal(a.at("latent_mean"), b.at("latent_mean")));
  EXPECT_TRUE(at::equal(a.at("latent_logvar"), b.at("latent_logvar")));
  const at::Tensor latents = from_seed->prepare_latents(a, seeded(9));
  EXPECT_TRUE(at::equal(latents, from_file->prepare_latents(b, seeded(9))));
  EXPECT_TRUE(at::equal(from_seed->decode_latents(latents), from_file->decode_latents(latents)));

  finetrain::DenoiserInput input;
  input.noisy_latents = at::randn(latents.sizes(), seeded(10));
  input.sigmas = at::full({1}, 0.7);
  input.conditions = {{"encoder_hidden_states", at::randn({1, 6, ltx::kTinyCaptionChannels}, seeded(11))},
                      {"encoder_attention_mask", at::ones({1, 6}, at::kBool)}};
  EXPECT_TRUE(at::equal(from_seed->forward(input), from_file->forward(input)));
}

TEST_F(LtxSingleFile, ModelSpecRejectsAFileOfAnotherVaeVersion) {
  c10::NoGradGuard no_grad;
  const std::string file = path("ltx-091.safetensors");
  const vae::LtxVaeConfig v091 = small_vae_config(OriginalVaeLayout::V0_9_1);
  finetrain::safetensors::save(file,
                               original_state(*random_vae(v091, 1), OriginalVaeLayout::V0_9_1, *tiny_transformer(2)));
  EXPECT_EQ(error_of([&] { configured_spec("tiny", file); }),
            "model.path " + file +
                " holds an LTX-Video 0.9.1 VAE but model.preset is tiny (its VAE is 0.9.5); presets that fit the file: "
                "none");
  // build_vae checks the file against the configuration it builds as well.
  const std::string message = error_of(
      [&] { ltx::build_vae(single_file_architecture(file, vae::ltx_vae_preset("tiny")), at::kFloat, 0, false); });
  EXPECT_EQ(message, file + " holds an LTX-Video 0.9.1 VAE, but the VAE being built is a 0.9.5 one");
}

TEST_F(LtxSingleFile, MissingAndUnexpectedKeysAreListedUnderBothNames) {
  c10::NoGradGuard no_grad;
  const vae::LtxVaeConfig config = vae::ltx_vae_preset("tiny");
  TensorMap state = original_state(*random_vae(config, 1), OriginalVaeLayout::V0_9_5, *tiny_transformer(2));
  ASSERT_EQ(state.erase("vae.decoder.up_blocks.4.res_blocks.0.conv1.conv.weight"), 1u);
  state.emplace("vae.decoder.up_blocks.4.res_blocks.0.extra", at::zeros({2}));
  ASSERT_EQ(state.erase("model.diffusion_model.transformer_blocks.1.attn1.q_norm.weight"), 1u);
  state.emplace("text_encoder.shared.weight", at::zeros({2}));
  const std::string file = path("broken.safetensors");
  finetrain::safetensors::save(file, state);
  const ltx::Architecture a = single_file_architecture(file, config);

  const std::string vae_error = error_of([&] { ltx::build_vae(a, at::kFloat, 0, false); });
  EXPECT_NE(vae_error.find(file + " (VAE, original key names): state dict does not match: 1 missing, 1 unexpected"),
            std::string::npos)
      << vae_error;
  EXPECT_NE(vae_error.find("vae.decoder.up_blocks.4.res_blocks.0.conv1.conv.weight (diffusers: "
                           "decoder.up_blocks.1.resnets.0.conv1.conv.weight)"),
            std::string::npos)
      << vae_error;
  EXPECT_NE(
      vae_error.find("vae.decoder.up_blocks.4.res_blocks.0.extra (diffusers: decoder.up_blocks.1.resnets.0.extra)"),
      std::string::npos)
      << vae_error;

  const std::string transformer_error = error_of([&] { ltx::build_transformer(a, at::kFloat, 0); });
  EXPECT_NE(transformer_error.find("1 missing, 1 unexpected"), std::string::npos) << transformer_error;
  EXPECT_NE(transformer_error.find("model.diffusion_model.transformer_blocks.1.attn1.q_norm.weight (diffusers: "
                                   "transformer_blocks.1.attn1.norm_q.weight)"),
            std::string::npos)
      << transformer_error;
  EXPECT_NE(transformer_error.find("text_encoder.shared.weight (diffusers: text_encoder.shared.weight)"),
            std::string::npos)
      << transformer_error;
}

TEST_F(LtxSingleFile, ShapeMismatchesAreReported) {
  c10::NoGradGuard no_grad;
  // The 0.9.5 layout at other widths: the keys match the tiny preset, the shapes do not.
  vae::LtxVaeConfig wider = vae::ltx_vae_preset("tiny");
  wider.block_out_channels = {16, 16, 32, 32, 32};
  const std::string file = path("wider.safetensors");
  finetrain::safetensors::save(file,
                               original_state(*random_vae(wider, 1), OriginalVaeLayout::V0_9_5, *tiny_transformer(2)));
  const std::string message = error_of(
      [&] { ltx::build_vae(single_file_architecture(file, vae::ltx_vae_preset("tiny")), at::kFloat, 0, false); });
  EXPECT_NE(message.find("0 missing, 0 unexpected"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.conv_in.conv.weight: checkpoint [16, 48, 3, 3, 3], model [8, 48, 3, 3, 3]"),
            std::string::npos)
      << message;
}

}  // namespace
