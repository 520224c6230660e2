#include "components.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "finetrain/byte_tokenizer.hpp"
#include "finetrain/error.hpp"
#include "finetrain/state_dict.hpp"
#include "finetrain/text_file.hpp"
#include "original_checkpoint.hpp"
#include "transformer_init.hpp"
#include "vae/layers.hpp"

namespace finetrain::ltx_video {
namespace {

namespace fs = std::filesystem;

// Fixed offsets so each component of a preset draws from its own stream of the run's seed.
constexpr uint64_t kTransformerStream = 0x7472616e73ull;
constexpr uint64_t kVaeStream = 0x766165ull;
constexpr uint64_t kTextStream = 0x74357465ull;

at::Generator generator_for(uint64_t seed, uint64_t stream) {
  return at::make_generator<at::CPUGeneratorImpl>(seed ^ stream);
}

}  // namespace

Architecture resolve_architecture(const LtxVideoOptions& o) {
  const FamilyPreset preset = family_preset(o.preset);
  Architecture a;
  a.transformer = preset.transformer;
  a.vae = preset.vae;
  a.text_encoder = preset.text_encoder;
  a.scheduler_json = preset.scheduler_json;
  a.path = o.path;
  if (o.path.empty()) {
    if (!preset.random_init_is_useful)
      spdlog::warn("model.preset '{}' without model.path: the weights are random", o.preset);
    return a;
  }
  const fs::path path(o.path);
  if (fs::is_directory(path)) {
    a.source = WeightsSource::DiffusersDirectory;
    const fs::path transformer_config = path / "transformer" / "config.json";
    const fs::path vae_config = path / "vae" / "config.json";
    for (const auto& required : {transformer_config, vae_config})
      if (!fs::exists(required))
        throw Error(fmt::format("{}: not a diffusers LTX-Video directory ({} is missing)", o.path, required.string()));
    a.transformer =
        LtxTransformerConfig::from_json(read_text_file(transformer_config.string()), transformer_config.string());
    a.vae = vae::parse_ltx_vae_config(read_text_file(vae_config.string()), vae_config.string());
    const fs::path scheduler = path / "scheduler" / "scheduler_config.json";
    if (fs::exists(scheduler)) a.scheduler_json = read_text_file(scheduler.string());
    return a;
  }
  if (fs::is_regular_file(path) && path.extension() == ".safetensors") {
    a.source = WeightsSource::SingleFile;  // architecture from model.preset, which must match the file
    check_original_checkpoint(inspect_original_checkpoint(read_key_shapes(o.path), o.path), o.preset, o.path);
    return a;
  }
  throw Error(fmt::format("model.path {}: neither a diffusers directory nor a .safetensors file", o.path));
}

std::shared_ptr<LtxVideoTransformer3DModelImpl> build_transformer(const Architecture& a, c10::ScalarType dtype,
                                                                  uint64_t seed) {
  auto transformer = std::make_shared<LtxVideoTransformer3DModelImpl>(a.transformer);
  switch (a.source) {
    case WeightsSource::RandomInit:
      init_transformer_randomly(*transformer, generator_for(seed, kTransformerStream));
      break;
    case WeightsSource::DiffusersDirectory: {
      const std::string dir = (fs::path(a.path) / "transformer").string();
      load_state(*transformer, TensorSource::from_checkpoint(dir), /*strict=*/true, dir);
      break;
    }
    case WeightsSource::SingleFile:
      load_original_transformer(*transformer, a.path);
      break;
  }
  transformer->to(dtype);
  return transformer;
}

// A trained LTX-Video VAE's posterior is close to a point: its log-variance channel sits far below zero.
// Random weights would put it near zero, so every sampled latent would be mostly noise and a model
// trained on them would have nothing to learn (measured: the loss of overfitting one clip barely fell).
// The random VAE gets a constant log-variance of kRandomVaeLogvar instead (posterior std ~0.0025).
constexpr double kRandomVaeLogvar = -12.0;

void sharpen_random_posterior(vae::AutoencoderKLLTXVideo& model) {
  c10::NoGradGuard no_grad;
  auto params = model.named_parameters();
  // conv_out emits [mean (C) | logvar (1)]: the last output channel is the log-variance.
  params["encoder.conv_out.conv.weight"][-1].zero_();
  params["encoder.conv_out.conv.bias"][-1].fill_(kRandomVaeLogvar);
}

std::shared_ptr<vae::AutoencoderKLLTXVideo> build_vae(const Architecture& a, c10::ScalarType dtype, uint64_t seed,
                                                      bool tiling) {
  auto model = std::make_shared<vae::AutoencoderKLLTXVideo>(a.vae);
  switch (a.source) {
    case WeightsSource::RandomInit:
      vae::reset_parameters(*model, generator_for(seed, kVaeStream));
      sharpen_random_posterior(*model);
      break;
    case WeightsSource::DiffusersDirectory: {
      const std::string dir = (fs::path(a.path) / "vae").string();
      load_state(*model, TensorSource::from_checkpoint(dir), /*strict=*/true, dir);
      break;
    }
    case WeightsSource::SingleFile:
      load_original_vae(*model, a.path);
      break;
  }
  model->to(dtype);
  if (tiling) {
    auto& e = model->execution();
    e.spatial_tiling = e.temporal_tiling_encode = e.temporal_tiling_decode = true;
  }
  return model;
}

std::unique_ptr<TextConditioner> build_text_conditioner(const Architecture& a, const LtxVideoOptions& o,
                                                        c10::ScalarType dtype, uint64_t seed, HostServices& host) {
  std::string tokenizer_path = o.tokenizer;
  if (tokenizer_path.empty() && !a.path.empty() && a.source == WeightsSource::DiffusersDirectory)
    tokenizer_path = (fs::path(a.path) / "tokenizer" / "spiece.model").string();
  std::unique_ptr<Tokenizer> tokenizer;
  if (!tokenizer_path.empty()) {
    tokenizer = host.open_tokenizer("sentencepiece", tokenizer_path);
  } else if (a.source == WeightsSource::RandomInit) {
    // A randomly initialised encoder has learned no vocabulary: bytes serve as well as any.
    tokenizer = std::make_unique<ByteTokenizer>();
  } else {
    throw Error(
        fmt::format("no tokenizer: set model.tokenizer to the SentencePiece model (spiece.model) of {}", a.path));
  }

  std::string encoder_dir = o.text_encoder;
  if (encoder_dir.empty() && a.source == WeightsSource::DiffusersDirectory)
    encoder_dir = (fs::path(a.path) / "text_encoder").string();
  std::unique_ptr<T5Encoder> encoder;
  if (!encoder_dir.empty()) {
    encoder = load_t5_encoder(encoder_dir, dtype, c10::Device(c10::kCPU));
  } else {
    encoder = std::make_unique<T5Encoder>(a.text_encoder, dtype);
    encoder->init_random(seed ^ kTextStream);
  }
  return std::make_unique<TextConditioner>(std::move(tokenizer), std::move(encoder), o.max_sequence_length);
}

}  // namespace finetrain::ltx_video
