#include "model_spec.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <finetrain/error.hpp>

#include <string>

#include "component_builders.hpp"
#include "describe.hpp"
#include "layers.hpp"
#include "pixel_vae.hpp"
#include "sampler.hpp"
#include "text_encoder.hpp"
#include "transformer.hpp"

namespace toy_pixel {

namespace {

constexpr int64_t kNumTrainTimesteps = 1000;

const at::Tensor& require_tensor(const finetrain::TensorMap& map, const std::string& key, const char* where) {
  auto it = map.find(key);
  if (it == map.end() || !it->second.defined())
    throw finetrain::Error(std::string("toy-pixel: ") + where + " needs '" + key + "'; found: " + describe(map));
  return it->second;
}

}  // namespace

ToyPixelModelSpec::ToyPixelModelSpec() = default;
ToyPixelModelSpec::~ToyPixelModelSpec() = default;

finetrain::ConfigSchema ToyPixelModelSpec::options_schema() const { return toy_pixel::options_schema(); }

std::vector<std::string> ToyPixelModelSpec::presets() const { return preset_names(); }

finetrain::ModelTraits ToyPixelModelSpec::traits() const {
  finetrain::ModelTraits t;
  t.objective = finetrain::Objective::FlowMatchingVelocity;
  t.latent_channels = 3;  // RGB: the identity VAE keeps pixels
  t.vae_temporal_compression = 1;
  t.vae_spatial_compression = 1;
  t.frame_count_offset = 1;  // any frame count 1 * k + 1
  t.spatial_multiple = 1;
  t.per_frame_sigmas = false;
  t.is_video = false;  // an image family; frames are independent tokens when given
  t.num_train_timesteps = kNumTrainTimesteps;
  t.default_lora_targets = R"(transformer_blocks\.\d+\.ff\.net\.(0\.proj|2))";
  return t;
}

std::vector<finetrain::ComponentBuilder> ToyPixelModelSpec::component_builders() const {
  return toy_pixel::component_builders();
}

const finetrain::StateDictAdapter& ToyPixelModelSpec::state_dict_adapter() const { return adapter_; }

void ToyPixelModelSpec::configure(const finetrain::ModelContext& context) {
  ToyPixelOptions options = read_options(context.options);
  configs_ = preset(options.preset);
  options_ = options;
  release(finetrain::kAllComponents);  // built for the previous context, if any
  context_ = context;
}

const finetrain::ModelContext& ToyPixelModelSpec::context() const {
  if (!context_) throw finetrain::Error("toy-pixel: configure() must be called before load()");
  return *context_;
}

void ToyPixelModelSpec::load(uint32_t components) {
  if (components & ~static_cast<uint32_t>(finetrain::kAllComponents))
    throw finetrain::Error("toy-pixel: load(): unknown component bits " + std::to_string(components));
  const finetrain::ModelContext& ctx = context();
  // Presets are initialised from the run's seed with generators of their own; the text encoder's
  // stream is offset so that it does not mirror the denoiser's first values.
  if (components & finetrain::kDenoiser) {
    auto transformer = std::make_shared<ToyPixelTransformer>(configs_.transformer);
    reset_parameters(*transformer, at::detail::createCPUGenerator(ctx.seed));
    transformer->to(ctx.device, ctx.dtype);
    transformer_ = std::move(transformer);
    runner_.set_blocks(transformer_->block_refs());
  }
  if (components & finetrain::kTextEncoder) {
    auto encoder = std::make_shared<ToyPixelTextEncoder>(configs_.text_encoder);
    reset_parameters(*encoder, at::detail::createCPUGenerator(ctx.seed + 1));
    encoder->to(ctx.device, ctx.text_encoder_dtype);
    for (auto& p : encoder->parameters()) p.set_requires_grad(false);  // a frozen encoder
    text_encoder_ = std::move(encoder);
  }
  if (components & finetrain::kVae) vae_ = std::make_unique<PixelVae>(configs_.vae, ctx.device, ctx.vae_dtype);
}

void ToyPixelModelSpec::release(uint32_t components) {
  if (components & finetrain::kDenoiser) {
    runner_.set_blocks({});
    transformer_.reset();
  }
  if (components & finetrain::kTextEncoder) text_encoder_.reset();
  if (components & finetrain::kVae) vae_.reset();
}

ToyPixelTransformer& ToyPixelModelSpec::transformer() const {
  if (!transformer_) throw finetrain::Error("toy-pixel: the denoiser is not loaded (load(kDenoiser))");
  return *transformer_;
}

ToyPixelTextEncoder& ToyPixelModelSpec::text_encoder() const {
  if (!text_encoder_) throw finetrain::Error("toy-pixel: the text encoder is not loaded (load(kTextEncoder))");
  return *text_encoder_;
}

const PixelVae& ToyPixelModelSpec::vae() const {
  if (!vae_) throw finetrain::Error("toy-pixel: the VAE is not loaded (load(kVae))");
  return *vae_;
}

finetrain::TensorMap ToyPixelModelSpec::encode_conditions(const std::vector<std::string>& captions) {
  at::NoGradGuard no_grad;
  return text_encoder().encode(captions);
}

finetrain::TensorMap ToyPixelModelSpec::encode_latents(const at::Tensor& pixels) {
  at::NoGradGuard no_grad;
  return {{"latents", vae().encode(pixels)}};
}

at::Tensor ToyPixelModelSpec::prepare_latents(const finetrain::TensorMap& encoded, at::Generator) {
  // The identity encoder is deterministic: there is no latent distribution to draw from.
  return vae().normalize(require_tensor(encoded, "latents", "prepare_latents()"));
}

at::Tensor ToyPixelModelSpec::decode_latents(const at::Tensor& latents) {
  at::NoGradGuard no_grad;
  return vae().decode(latents);
}

torch::nn::Module& ToyPixelModelSpec::denoiser() { return transformer(); }

finetrain::BlockRunner& ToyPixelModelSpec::blocks() { return runner_; }

at::Tensor ToyPixelModelSpec::forward(const finetrain::DenoiserInput& input) {
  const at::Tensor& latents = input.noisy_latents;
  if (!latents.defined() || latents.dim() != 5)
    throw finetrain::Error("toy-pixel: forward(): noisy_latents must be [B, C, F, H, W], found " + describe(latents));
  if (!input.sigmas.defined() || input.sigmas.dim() != 1 || input.sigmas.size(0) != latents.size(0))
    throw finetrain::Error("toy-pixel: forward(): sigmas must be [" + std::to_string(latents.size(0)) +
                           "] (one per sample; this family has no per-frame sigmas), found " + describe(input.sigmas));
  const at::Tensor& words = require_tensor(input.conditions, "encoder_hidden_states", "forward()");
  auto mask_it = input.conditions.find("encoder_attention_mask");
  const c10::Device device = context().device;
  at::Tensor mask = mask_it != input.conditions.end() ? mask_it->second.to(device) : at::Tensor();
  // The denoiser's timestep convention: sigma scaled to [0, num_train_timesteps].
  at::Tensor timestep = input.sigmas.to(device, at::kFloat) * static_cast<double>(kNumTrainTimesteps);
  at::Tensor prediction = transformer().forward(latents.to(device), words.to(device), mask, timestep, runner_);
  return prediction.to(latents.scalar_type());
}

at::Tensor ToyPixelModelSpec::sample(const finetrain::SampleRequest& request) {
  if (request.height <= 0 || request.width <= 0 || request.num_frames < 1)
    throw finetrain::Error("toy-pixel: sample(): height, width and num_frames must be positive, found " +
                           std::to_string(request.height) + "x" + std::to_string(request.width) + ", " +
                           std::to_string(request.num_frames) + " frames");
  if (request.first_frame)
    throw finetrain::Error("toy-pixel: sample(): a first frame was given, but toy-pixel is a text-to-image family");
  at::NoGradGuard no_grad;
  const std::vector<double> sigmas = flow_match_sigmas(request.num_inference_steps, options_.sample_shift);
  // Classifier-free guidance as in diffusers: only when guidance_scale > 1, negative prompt second.
  const bool guided = request.guidance_scale > 1.0;
  const finetrain::TensorMap conditions =
      encode_conditions(guided ? std::vector<std::string>{request.prompt, request.negative_prompt}
                               : std::vector<std::string>{request.prompt});
  const c10::Device device = context().device;
  at::Tensor noise = at::randn({1, vae().channels(), request.num_frames, request.height, request.width},
                               at::detail::createCPUGenerator(request.seed), at::kFloat)
                         .to(device);
  auto velocity = [&](const at::Tensor& x, double sigma) {
    at::Tensor batch = guided ? at::cat({x, x}) : x;
    finetrain::DenoiserInput input{batch, at::full({batch.size(0)}, sigma, batch.options()), conditions};
    at::Tensor v = forward(input);
    if (!guided) return v;
    auto halves = v.chunk(2);
    return halves[1] + request.guidance_scale * (halves[0] - halves[1]);
  };
  return vae().decode(euler_sample(noise, sigmas, velocity)).to(at::kFloat);
}

}  // namespace toy_pixel
