// AutoencoderKLLTXVideo against diffusers: the golden fixture (outputs and gradients), and the behaviour the
// fixture does not cover (tiling, slicing, posterior sampling, noise injection, state-dict round trip, config
// parsing, presets).
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "ltx_vae_diffusers_tiling.hpp"
#include "parity/component_parity.hpp"
#include "test_support.hpp"
#include "transformer/presets.hpp"
#include "vae/autoencoder.hpp"
#include "vae/component_builder.hpp"
#include "vae/presets.hpp"

namespace {

using finetrain::ltx_video::vae::AutoencoderKLLTXVideo;
using finetrain::ltx_video::vae::LtxVaeConfig;
using finetrain::ltx_video::vae::parse_ltx_vae_config;
using finetrain::ltx_video::vae::TileSettings;
namespace vae = finetrain::ltx_video::vae;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.sizes() != b.sizes()) return INFINITY;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

at::Generator seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// The tiny preset with weights drawn from `seed` (scale tables included), in eval mode.
std::shared_ptr<AutoencoderKLLTXVideo> tiny_vae(uint64_t seed = 7, LtxVaeConfig config = vae::ltx_vae_preset("tiny")) {
  auto model = std::make_shared<AutoencoderKLLTXVideo>(config);
  vae::reset_parameters(*model, seeded(seed));
  model->eval();
  return model;
}

at::Tensor pixels(std::vector<int64_t> shape, uint64_t seed) {
  return at::rand(shape, seeded(seed), at::TensorOptions().dtype(at::kFloat)).mul(2).sub(1);
}

at::Tensor decode_timesteps(int64_t batch) { return at::linspace(0.02, 0.08, batch, at::kFloat); }

// ---------------------------------------------------------------------------------------------------------------
// Golden fixture
// ---------------------------------------------------------------------------------------------------------------

TEST(LtxVaeParity, FixtureMatchesDiffusers) {
  FT_REQUIRE_FIXTURE(dir, "ltx/vae");
  const auto tolerances = finetrain::host::tolerances_from_readme(read_text(dir + "/README.md"));
  ASSERT_TRUE(tolerances.has_value()) << "README.md states no tolerances";
  const auto report = finetrain::host::run_component_parity(dir, vae::ltx_vae_component_builder(), *tolerances);
  ASSERT_TRUE(report.error.empty()) << report.error;
  for (const auto& row : report.rows)
    std::cout << row.tensor << ": max |diff| " << row.max_abs_diff << " (bound " << row.bound << ", max |ref| "
              << row.max_ref << ")" << (row.error.empty() ? "" : " " + row.error) << "\n";
  // 3 outputs, 2 input gradients, 6 parameter gradients.
  EXPECT_EQ(report.rows.size(), 11u);
  EXPECT_TRUE(report.passed()) << "first divergence: " << report.first_divergence;
}

// The captured intermediates carry the fixture's aux names, so check-parity can name the first diverging module.
TEST(LtxVaeParity, IntermediatesMatchTheFixtureAuxTensors) {
  FT_REQUIRE_FIXTURE(dir, "ltx/vae");
  c10::NoGradGuard no_grad;
  auto component = vae::ltx_vae_component_builder().build(read_text(dir + "/config.json"), at::kCPU);
  finetrain::load_state(*component->module(), finetrain::TensorSource::from_checkpoint(dir + "/weights.safetensors"),
                        true, "weights.safetensors");
  const auto io = finetrain::safetensors::File::open(dir + "/io.safetensors");
  finetrain::TensorMap inputs;
  for (const char* name : {"sample", "z", "temb"}) inputs[name] = io->tensor(std::string("in.") + name);
  std::map<std::string, at::Tensor> captured;
  {
    finetrain::ParityCapture capture;
    component->run(inputs, io->metadata().at("call"));
    for (const auto& [name, tensor] : capture.tensors()) captured[name] = tensor;
  }
  size_t aux = 0;
  for (const auto& info : io->tensors()) {
    if (info.name.rfind("aux.", 0) != 0) continue;
    ++aux;
    const std::string name = info.name.substr(4);
    ASSERT_TRUE(captured.count(name)) << "no capture named " << name;
    EXPECT_LT(max_abs_diff(captured.at(name), io->tensor(info.name)), 1e-4) << name;
  }
  EXPECT_EQ(aux, 12u);
}

// ---------------------------------------------------------------------------------------------------------------
// Tiling
// ---------------------------------------------------------------------------------------------------------------

// Small tiles so that a small clip is split: 128 px tiles every 64 px (4 latent rows, stride 2, blend 2 latents;
// 64 px blended when decoding), 16-frame chunks every 8 frames.
TileSettings small_tiles() {
  TileSettings t;
  t.sample_min_height = 128;
  t.sample_min_width = 128;
  t.sample_stride_height = 64;
  t.sample_stride_width = 64;
  t.sample_min_num_frames = 16;
  t.sample_stride_num_frames = 8;
  return t;
}

ltx_vae_reference::Tiles reference_tiles(const TileSettings& t) {
  return {t.sample_min_height,    t.sample_min_width,    t.sample_min_num_frames,
          t.sample_stride_height, t.sample_stride_width, t.sample_stride_num_frames};
}

TEST(LtxVaeTiling, SpatialEncodeMatchesDiffusersLoops) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor x = pixels({1, 3, 9, 192, 256}, 1);
  model->execution().spatial_tiling = true;
  model->execution().tiles = small_tiles();
  const at::Tensor ours = model->encode(x).moments();
  const at::Tensor reference = ltx_vae_reference::tiled_encode(
      x, [&](const at::Tensor& t) { return model->encoder().forward(t); }, reference_tiles(small_tiles()), 32);
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{1, 64, 2, 6, 8}));
  EXPECT_TRUE(at::equal(ours, reference)) << "max |diff| " << max_abs_diff(ours, reference);
  // Blending really happened: the tiled result is not the untiled one.
  model->execution().spatial_tiling = false;
  EXPECT_GT(max_abs_diff(ours, model->encode(x).moments()), 1e-4);
}

TEST(LtxVaeTiling, SpatialDecodeMatchesDiffusersLoops) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor z = at::randn({1, 32, 2, 6, 8}, seeded(2));
  const at::Tensor temb = decode_timesteps(1);
  model->execution().spatial_tiling = true;
  model->execution().tiles = small_tiles();
  const at::Tensor ours = model->decode(z, temb);
  const at::Tensor reference = ltx_vae_reference::tiled_decode(
      z, [&](const at::Tensor& t) { return model->decoder().forward(t, temb, c10::nullopt); },
      reference_tiles(small_tiles()), 32);
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{1, 3, 9, 192, 256}));
  EXPECT_TRUE(at::equal(ours, reference)) << "max |diff| " << max_abs_diff(ours, reference);
  model->execution().spatial_tiling = false;
  EXPECT_GT(max_abs_diff(ours, model->decode(z, temb)), 1e-4);
}

TEST(LtxVaeTiling, TemporalEncodeMatchesDiffusersLoops) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor x = pixels({1, 3, 33, 64, 64}, 3);
  model->execution().temporal_tiling_encode = true;
  model->execution().tiles = small_tiles();
  const at::Tensor ours = model->encode(x).moments();
  const at::Tensor reference = ltx_vae_reference::temporal_tiled_encode(
      x, [&](const at::Tensor& t) { return model->encoder().forward(t); }, reference_tiles(small_tiles()), 8);
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{1, 64, 5, 2, 2}));
  EXPECT_TRUE(at::equal(ours, reference)) << "max |diff| " << max_abs_diff(ours, reference);
  model->execution().temporal_tiling_encode = false;
  EXPECT_GT(max_abs_diff(ours, model->encode(x).moments()), 1e-4);
}

TEST(LtxVaeTiling, TemporalDecodeMatchesDiffusersLoops) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor z = at::randn({1, 32, 5, 2, 2}, seeded(4));
  const at::Tensor temb = decode_timesteps(1);
  model->execution().temporal_tiling_decode = true;
  model->execution().tiles = small_tiles();
  const at::Tensor ours = model->decode(z, temb);
  const at::Tensor reference = ltx_vae_reference::temporal_tiled_decode(
      z, [&](const at::Tensor& t) { return model->decoder().forward(t, temb, c10::nullopt); },
      reference_tiles(small_tiles()), 8);
  ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{1, 3, 33, 64, 64}));
  EXPECT_TRUE(at::equal(ours, reference)) << "max |diff| " << max_abs_diff(ours, reference);
  model->execution().temporal_tiling_decode = false;
  EXPECT_GT(max_abs_diff(ours, model->decode(z, temb)), 1e-4);
}

TEST(LtxVaeTiling, SpatialAndTemporalTilingCombine) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor x = pixels({1, 3, 17, 160, 128}, 5);
  model->execution().spatial_tiling = true;
  model->execution().temporal_tiling_encode = true;
  model->execution().tiles = small_tiles();
  const auto tiles = reference_tiles(small_tiles());
  const at::Tensor ours = model->encode(x).moments();
  const ltx_vae_reference::Coder encoder = [&](const at::Tensor& t) { return model->encoder().forward(t); };
  const at::Tensor reference = ltx_vae_reference::temporal_tiled_encode(
      x, [&](const at::Tensor& chunk) { return ltx_vae_reference::tiled_encode(chunk, encoder, tiles, 32); }, tiles, 8);
  EXPECT_TRUE(at::equal(ours, reference)) << "max |diff| " << max_abs_diff(ours, reference);
}

// A 17-frame clip with 16-frame chunks: the first chunk sees the whole clip, and the one latent it shares with the
// second chunk is blended with weights (1, 0), so temporal tiling must reproduce the untiled encoding exactly.
TEST(LtxVaeTiling, TemporalEncodeWithFirstChunkCoveringTheClipEqualsUntiled) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor x = pixels({1, 3, 17, 64, 64}, 6);
  const at::Tensor untiled = model->encode(x).moments();
  model->execution().temporal_tiling_encode = true;
  model->execution().tiles = small_tiles();
  EXPECT_TRUE(at::equal(model->encode(x).moments(), untiled));
}

// With coders that act locally (block averages / nearest upsampling), aligned tiles code every position exactly
// as the whole input does, and the cross-fade weights sum to one, so tiled == untiled up to rounding. This checks
// the tile offsets and weights independently of the transcribed loops.
TEST(LtxVaeTiling, LocalCodersTileToTheUntiledResult) {
  const TileSettings tiles = small_tiles();
  const vae::TileCoder pool = [](const at::Tensor& x) { return at::avg_pool3d(x, {1, 32, 32}); };
  const vae::TileCoder upsample = [](const at::Tensor& z) {
    return z.repeat_interleave(32, 3).repeat_interleave(32, 4);
  };
  const at::Tensor x = pixels({1, 3, 2, 224, 288}, 8);
  EXPECT_LT(max_abs_diff(vae::tiled_encode(x, pool, tiles, 32), pool(x)), 1e-6);
  const at::Tensor z = at::randn({1, 4, 2, 7, 9}, seeded(9));
  EXPECT_LT(max_abs_diff(vae::tiled_decode(z, upsample, tiles, 32), upsample(z)), 1e-6);

  // Causal temporal coder: latent k is pixel frame 8k.
  const vae::TileCoder every_8th = [](const at::Tensor& x) { return x.slice(2, 0, x.size(2), 8); };
  const at::Tensor clip = pixels({1, 3, 41, 4, 4}, 10);
  EXPECT_LT(max_abs_diff(vae::temporal_tiled_encode(clip, every_8th, tiles, 8), every_8th(clip)), 1e-6);
}

// diffusers' _temporal_tiled_decode drops the *last* frame of every later chunk (decoded[:, :, :-1]) and blends it
// with the untruncated first chunk, so around the first seam it cross-fades frames one step apart and then
// repeats frame 8. Reproduced exactly (parity); this pins down that behaviour with a local decoder.
TEST(LtxVaeTiling, TemporalDecodeReproducesDiffusersFirstSeam) {
  const TileSettings tiles = small_tiles();
  // Latent 0 -> 1 frame, every later latent -> 8 frames (the LTX frame layout), per chunk.
  const vae::TileCoder expand = [](const at::Tensor& z) {
    return at::cat({z.slice(2, 0, 1), z.slice(2, 1).repeat_interleave(8, 2)}, 2);
  };
  const at::Tensor z = at::randn({1, 2, 4, 1, 1}, seeded(11));
  const at::Tensor untiled = expand(z);  // 25 frames
  const at::Tensor tiled = vae::temporal_tiled_decode(z, expand, tiles, 8);
  ASSERT_EQ(tiled.size(2), 25);
  EXPECT_TRUE(at::equal(tiled.slice(2, 0, 9), untiled.slice(2, 0, 9)));
  for (int64_t m = 0; m < 8; ++m) {
    const double w = m / 8.0;
    const at::Tensor expected = untiled.select(2, 9 + m) * (1 - w) + untiled.select(2, 8 + m) * w;
    EXPECT_LT(max_abs_diff(tiled.select(2, 9 + m), expected), 1e-6) << "frame " << 9 + m;
  }
  // After the first seam the chunks line up again, one frame late.
  EXPECT_LT(max_abs_diff(tiled.slice(2, 17, 25), untiled.slice(2, 16, 24)), 1e-6);
}

TEST(LtxVaeTiling, RejectsTileSizesThatLeaveGaps) {
  auto model = tiny_vae();
  model->execution().spatial_tiling = true;
  model->execution().tiles.sample_min_height = 64;
  model->execution().tiles.sample_stride_height = 96;
  EXPECT_THROW(model->encode(pixels({1, 3, 1, 128, 128}, 12)), finetrain::Error);
  model->execution().tiles = small_tiles();
  model->execution().tiles.sample_stride_width = 48;  // not a multiple of the 32x compression
  EXPECT_THROW(model->encode(pixels({1, 3, 1, 128, 128}, 12)), finetrain::Error);
}

// ---------------------------------------------------------------------------------------------------------------
// Slicing, sampling, noise
// ---------------------------------------------------------------------------------------------------------------

TEST(LtxVaeSlicing, SlicedBatchEqualsUnsliced) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const at::Tensor x = pixels({2, 3, 9, 64, 64}, 13);
  const at::Tensor z = at::randn({2, 32, 2, 2, 2}, seeded(14));
  const at::Tensor temb = decode_timesteps(2);
  const at::Tensor moments = model->encode(x).moments();
  const at::Tensor decoded = model->decode(z, temb);
  model->execution().slicing = true;
  EXPECT_LT(max_abs_diff(model->encode(x).moments(), moments), 1e-5);
  EXPECT_LT(max_abs_diff(model->decode(z, temb), decoded), 1e-5);
  // Each element is decoded with its own timestep.
  EXPECT_GT(max_abs_diff(decoded.select(0, 0), model->decode(z.narrow(0, 0, 1), temb.narrow(0, 1, 1)).select(0, 0)),
            1e-4);
}

TEST(LtxVaePosterior, SamplingIsDeterministicForEqualGenerators) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  const auto posterior = model->encode(pixels({1, 3, 9, 64, 64}, 15));
  const at::Tensor a = posterior.sample(seeded(42));
  const at::Tensor b = posterior.sample(seeded(42));
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_GT(max_abs_diff(a, posterior.sample(seeded(43))), 1e-3);
  // mean + std * N(0, 1) with the generator's stream, as diffusers' randn_tensor.
  const at::Tensor noise = at::randn(posterior.mean().sizes(), seeded(42));
  EXPECT_TRUE(at::allclose(a, posterior.mean() + posterior.std() * noise, 0, 0));
  EXPECT_TRUE(at::equal(posterior.mode(), posterior.mean()));
  EXPECT_LE(posterior.logvar().max().item<double>(), 20.0);
  EXPECT_GE(posterior.logvar().min().item<double>(), -30.0);
}

TEST(LtxVaePosterior, LogvarIsClamped) {
  const at::Tensor moments =
      at::cat({at::zeros({1, 2, 1, 1, 1}), at::tensor({-100.f, 100.f}).view({1, 2, 1, 1, 1})}, 1);
  const vae::DiagonalGaussianDistribution posterior(moments);
  EXPECT_FLOAT_EQ(posterior.logvar().flatten()[0].item<float>(), -30.f);
  EXPECT_FLOAT_EQ(posterior.logvar().flatten()[1].item<float>(), 20.f);
}

TEST(LtxVaeNoise, InjectionDrawsOnlyFromTheGivenGenerator) {
  c10::NoGradGuard no_grad;
  LtxVaeConfig config = vae::ltx_vae_preset("tiny");
  config.decoder_inject_noise = {true, true, true, true};
  auto model = tiny_vae(7, config);
  auto state = finetrain::module_state(*model);
  size_t scales = 0;
  for (auto& [name, tensor] : state)
    if (name.find("per_channel_scale") != std::string::npos) {
      tensor.fill_(0.5);
      ++scales;
    }
  EXPECT_EQ(scales, 8u);  // mid block + 3 up blocks, one resnet each, two scales per resnet
  const at::Tensor z = at::randn({1, 32, 2, 2, 2}, seeded(16));
  const at::Tensor temb = decode_timesteps(1);
  const at::Tensor a = model->decode(z, temb, seeded(5));
  EXPECT_TRUE(at::equal(a, model->decode(z, temb, seeded(5))));
  EXPECT_GT(max_abs_diff(a, model->decode(z, temb, seeded(6))), 1e-4);
  EXPECT_THROW(model->decode(z, temb), finetrain::Error);
}

// ---------------------------------------------------------------------------------------------------------------
// Names, state dict, configs, presets
// ---------------------------------------------------------------------------------------------------------------

TEST(LtxVaeStateDict, RoundTripThroughSafetensorsWithDiffusersNames) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae(21);
  const auto state = finetrain::module_state(*model);
  for (const char* key :
       {"encoder.conv_in.conv.weight", "encoder.down_blocks.0.resnets.0.conv1.conv.weight",
        "encoder.down_blocks.1.downsamplers.0.conv.conv.bias", "encoder.conv_out.conv.weight",
        "decoder.up_blocks.0.resnets.0.conv1.conv.weight", "decoder.up_blocks.0.upsamplers.0.conv.conv.weight",
        "decoder.mid_block.time_embedder.timestep_embedder.linear_2.weight",
        "decoder.time_embedder.timestep_embedder.linear_1.weight", "decoder.scale_shift_table",
        "decoder.timestep_scale_multiplier", "decoder.conv_out.conv.weight", "latents_mean", "latents_std"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_EQ(state.at("decoder.timestep_scale_multiplier").dim(), 0);
  EXPECT_EQ(state.at("decoder.timestep_scale_multiplier").item<float>(), 1000.f);

  const std::string dir = finetrain::testing::make_temp_dir("ltx_vae_state");
  const std::string path = dir + "/diffusion_pytorch_model.safetensors";
  finetrain::safetensors::save(path, state);
  auto fresh = std::make_shared<AutoencoderKLLTXVideo>(vae::ltx_vae_preset("tiny"));
  finetrain::load_state(*fresh, finetrain::TensorSource::from_checkpoint(path), /*strict=*/true, path);
  fresh->eval();

  const at::Tensor x = pixels({1, 3, 9, 64, 64}, 22);
  const at::Tensor z = at::randn({1, 32, 2, 2, 2}, seeded(23));
  const at::Tensor temb = decode_timesteps(1);
  EXPECT_TRUE(at::equal(fresh->encode(x).moments(), model->encode(x).moments()));
  EXPECT_TRUE(at::equal(fresh->decode(z, temb), model->decode(z, temb)));
  std::filesystem::remove_all(dir);
}

TEST(LtxVaeStateDict, StrictLoadNamesMissingKeys) {
  auto model = tiny_vae();
  auto state = finetrain::module_state(*model);
  state.erase("decoder.scale_shift_table");
  auto fresh = std::make_shared<AutoencoderKLLTXVideo>(vae::ltx_vae_preset("tiny"));
  try {
    finetrain::load_state(*fresh, finetrain::TensorSource::from_map(state), true, "vae");
    FAIL() << "strict load accepted a missing key";
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find("decoder.scale_shift_table"), std::string::npos) << e.what();
  }
}

std::string error_of(const std::string& json) {
  return finetrain::testing::error_of([&] { parse_ltx_vae_config(json, "vae/config.json"); });
}

TEST(LtxVaeConfig, ParsesTheFixtureConfig) {
  FT_REQUIRE_FIXTURE(dir, "ltx/vae");
  const LtxVaeConfig c = parse_ltx_vae_config(read_text(dir + "/config.json"), "config.json");
  EXPECT_EQ(c.latent_channels, 8);
  EXPECT_EQ(c.block_out_channels, (std::vector<int64_t>{8, 8, 16, 16, 16}));
  EXPECT_TRUE(c.encoder_is_095());
  EXPECT_EQ(c.num_down_blocks(), 4);
  EXPECT_EQ(c.downsample_type[1], "temporal");
  EXPECT_TRUE(c.timestep_conditioning);
  EXPECT_EQ(c.spatial_compression(), 32);
  EXPECT_EQ(c.temporal_compression(), 8);
}

TEST(LtxVaeConfig, DefaultsAndDerivedRatiosFollowDiffusers) {
  const LtxVaeConfig c = parse_ltx_vae_config(R"({"_class_name": "AutoencoderKLLTXVideo"})", "config.json");
  EXPECT_EQ(c.latent_channels, 128);
  EXPECT_FALSE(c.encoder_is_095());
  EXPECT_EQ(c.num_down_blocks(), 4);
  EXPECT_EQ(c.spatial_compression(), 32);  // 4 * 2^3 (three scaling blocks)
  EXPECT_EQ(c.temporal_compression(), 8);
  EXPECT_EQ(parse_ltx_vae_config(R"({"spatial_compression_ratio": null})", "c").spatial_compression(), 32);
}

TEST(LtxVaeConfig, RejectsUnsupportedValuesNamingTheKey) {
  EXPECT_NE(
      error_of(R"({"down_block_types": ["LTXVideoDownBlock3D", "LTXVideoDownBlock3D", "Foo", "LTXVideoDownBlock3D"]})")
          .find("down_block_types[2]"),
      std::string::npos);
  const std::string bad_downsample = R"({"block_out_channels": [8, 8, 8, 8, 8],
    "down_block_types": ["LTXVideo095DownBlock3D", "LTXVideo095DownBlock3D",
                         "LTXVideo095DownBlock3D", "LTXVideo095DownBlock3D"],
    "layers_per_block": [1, 1, 1, 1, 1], "spatio_temporal_scaling": [true, true, true, true],
    "downsample_type": ["spatial", "diagonal", "temporal", "spatial"]})";
  EXPECT_NE(error_of(bad_downsample).find("downsample_type[1]"), std::string::npos) << error_of(bad_downsample);
  EXPECT_NE(error_of(R"({"layers_per_block": [1, 1, 1]})").find("layers_per_block"), std::string::npos);
  EXPECT_NE(error_of(R"({"decoder_inject_noise": [false]})").find("decoder_inject_noise"), std::string::npos);
  EXPECT_NE(error_of(R"({"patch_size_t": 2})").find("patch_size_t"), std::string::npos);
  EXPECT_NE(error_of(R"({"latent_channels": "128"})").find("latent_channels"), std::string::npos);
  EXPECT_NE(error_of(R"({"latent_chanels": 128})").find("latent_chanels"), std::string::npos);
  EXPECT_NE(error_of(R"({"_class_name": "AutoencoderKLWan"})").find("AutoencoderKLWan"), std::string::npos);
  EXPECT_NE(error_of("{not json").find("vae/config.json"), std::string::npos);
  EXPECT_NE(error_of(R"({"decoder_block_out_channels": [128, 256, 512, 512], "upsample_factor": [1, 2, 1, 1]})")
                .find("chain"),
            std::string::npos);
}

TEST(LtxVaeConfig, RejectsDecoderWidthsThatDoNotChain) {
  LtxVaeConfig c = vae::ltx_vae_preset("tiny");
  c.decoder_block_out_channels = {8, 16, 48};  // 48 / 2 = 24 feeds a block built for 16
  EXPECT_THROW(AutoencoderKLLTXVideo{c}, finetrain::Error);
}

// Structural facts of the released VAEs, cross-checked with the original->diffusers key map of diffusers'
// scripts/convert_ltx_to_diffusers.py (VAE_KEYS_RENAME_DICT, VAE_091/095_RENAME_DICT). Built on the meta device.
std::set<std::string> preset_keys(const std::string& name) {
  AutoencoderKLLTXVideo model(vae::ltx_vae_preset(name), at::TensorOptions().device(at::kMeta));
  std::set<std::string> keys;
  for (const auto& [key, tensor] : finetrain::module_state(model)) keys.insert(key);
  return keys;
}

TEST(LtxVaePresets, ReleasedArchitecturesHaveTheConvertedKeys) {
  const auto v090 = preset_keys("0.9.0");
  for (const char* key :
       {"decoder.up_blocks.2.conv_in.conv1.conv.weight", "decoder.up_blocks.3.conv_in.norm3.weight",
        "decoder.up_blocks.3.upsamplers.0.conv.conv.weight", "encoder.down_blocks.0.conv_out.conv1.conv.weight",
        "encoder.down_blocks.2.downsamplers.0.conv.weight", "encoder.mid_block.resnets.3.conv2.conv.bias"})
    EXPECT_TRUE(v090.count(key)) << "0.9.0: " << key;
  EXPECT_FALSE(v090.count("encoder.down_blocks.3.downsamplers.0.conv.weight"));
  EXPECT_FALSE(v090.count("decoder.timestep_scale_multiplier"));

  const auto v091 = preset_keys("0.9.1");
  for (const char* key :
       {"decoder.timestep_scale_multiplier", "decoder.scale_shift_table",
        "decoder.up_blocks.0.resnets.0.per_channel_scale1", "decoder.up_blocks.2.upsamplers.0.conv.conv.weight",
        "decoder.mid_block.time_embedder.timestep_embedder.linear_1.weight"})
    EXPECT_TRUE(v091.count(key)) << "0.9.1: " << key;
  EXPECT_FALSE(v091.count("decoder.mid_block.resnets.0.per_channel_scale1"));  // inject_noise[-1] is False

  const auto v095 = preset_keys("0.9.5");
  for (const char* key :
       {"encoder.down_blocks.3.downsamplers.0.conv.conv.weight", "encoder.mid_block.resnets.1.conv1.conv.weight",
        "decoder.up_blocks.2.resnets.4.conv2.conv.weight", "decoder.time_embedder.timestep_embedder.linear_2.bias"})
    EXPECT_TRUE(v095.count(key)) << "0.9.5: " << key;
  EXPECT_FALSE(v095.count("encoder.down_blocks.0.conv_out.conv1.conv.weight"));

  for (const auto& name : vae::ltx_vae_preset_names()) {
    const LtxVaeConfig c = vae::ltx_vae_preset(name);
    EXPECT_EQ(c.spatial_compression(), 32) << name;
    EXPECT_EQ(c.temporal_compression(), 8) << name;
  }
  EXPECT_THROW(vae::ltx_vae_preset("0.9.9"), finetrain::Error);
}

TEST(LtxVaePresets, RandomWeightsComeOnlyFromTheGenerator) {
  const auto a = finetrain::module_state(*tiny_vae(1));
  const auto b = finetrain::module_state(*tiny_vae(1));
  const auto c = finetrain::module_state(*tiny_vae(2));
  for (const auto& [name, tensor] : a) {
    EXPECT_TRUE(at::equal(tensor, b.at(name))) << name;
    // Constants of diffusers' initialisation: LayerNorm affine, zero noise scales, the 1000 multiplier, buffers.
    const bool constant = name.find("norm3") != std::string::npos ||
                          name.find("per_channel_scale") != std::string::npos ||
                          name == "decoder.timestep_scale_multiplier" || name.rfind("latents_", 0) == 0;
    if (!constant) {
      EXPECT_FALSE(at::equal(tensor, c.at(name))) << name << " does not depend on the seed";
    }
  }
}

// Its speed is part of `finetrain bench --model ltx-video --preset tiny`, not asserted here.
TEST(LtxVaePresets, TinyIsSmallAndRoundTripsShapes) {
  c10::NoGradGuard no_grad;
  auto model = tiny_vae();
  int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  EXPECT_GT(parameters, 100000);
  EXPECT_LT(parameters, 1000000);

  const at::Tensor x = pixels({1, 3, 9, 64, 64}, 30);
  const at::Tensor latents = model->encode(x).mode();
  const at::Tensor decoded = model->decode(latents, decode_timesteps(1));
  EXPECT_EQ(latents.sizes(), (std::vector<int64_t>{1, finetrain::ltx_video::kTinyLatentChannels, 2, 2, 2}));
  EXPECT_EQ(decoded.sizes(), x.sizes());
}

}  // namespace
