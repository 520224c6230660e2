#include "model_spec.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "latent_packing.hpp"
#include "sampler.hpp"
#include "transformer/component_builder.hpp"
#include "vae/component_builder.hpp"

namespace finetrain::ltx_video {

ConfigSchema LtxVideoModelSpec::options_schema() const { return ltx_video_options_schema(); }

std::vector<std::string> LtxVideoModelSpec::presets() const { return family_preset_names(); }

ModelTraits LtxVideoModelSpec::traits() const {
  ModelTraits t;
  t.objective = Objective::FlowMatchingVelocity;
  t.latent_channels = architecture_.transformer.in_channels;
  t.vae_temporal_compression = architecture_.vae.temporal_compression();
  t.vae_spatial_compression = architecture_.vae.spatial_compression();
  t.frame_count_offset = 1;
  t.spatial_multiple = architecture_.vae.spatial_compression();
  t.default_frame_rate = options_.frame_rate;
  t.per_frame_sigmas = true;
  t.is_video = true;
  t.num_train_timesteps = 1000;
  // The attention projections of every block: what the LTX trainers and finetrainers adapt.
  t.default_lora_targets = R"(transformer_blocks\.\d+\.(attn1|attn2)\.(to_q|to_k|to_v|to_out\.0))";
  return t;
}

std::vector<ComponentBuilder> LtxVideoModelSpec::component_builders() const {
  return {ltx_transformer_component_builder(), vae::ltx_vae_component_builder()};
}

void LtxVideoModelSpec::configure(const ModelContext& context) {
  context_ = context;
  options_ = ltx_video_options_from(context.options);
  architecture_ = resolve_architecture(options_);
  configured_ = true;
}

c10::ScalarType LtxVideoModelSpec::component_dtype(const std::string& setting) const {
  if (setting == "fp32") return at::kFloat;
  if (setting == "bf16") return at::kBFloat16;
  return context_.dtype;
}

void LtxVideoModelSpec::load(uint32_t components) {
  if (!configured_) throw Error("ltx-video: configure() must come before load()");
  if ((components & kDenoiser) && !transformer_)
    transformer_ = build_transformer(architecture_, context_.dtype, context_.seed);
  if ((components & kVae) && !vae_) {
    vae_ = build_vae(architecture_, component_dtype(options_.vae_dtype), context_.seed, options_.vae_tiling);
    vae_->eval();
    statistics_ = {vae_->named_buffers()["latents_mean"].to(at::kFloat).clone(),
                   vae_->named_buffers()["latents_std"].to(at::kFloat).clone(), architecture_.vae.scaling_factor};
  }
  if ((components & kTextEncoder) && !text_) {
    if (!context_.host) throw Error("ltx-video: the text encoder needs the host's tokenizer service");
    text_ = build_text_conditioner(architecture_, options_, component_dtype(options_.text_encoder_dtype), context_.seed,
                                   *context_.host);
  }
}

void LtxVideoModelSpec::release(uint32_t components) {
  if (components & kDenoiser) transformer_.reset();
  if (components & kVae) vae_.reset();  // statistics_ stay: training still normalises latents
  if (components & kTextEncoder) text_.reset();
}

LtxVideoTransformer3DModelImpl& LtxVideoModelSpec::transformer() const {
  if (!transformer_) throw Error("ltx-video: the transformer is not loaded");
  return *transformer_;
}
vae::AutoencoderKLLTXVideo& LtxVideoModelSpec::vae_model() const {
  if (!vae_) throw Error("ltx-video: the VAE is not loaded");
  return *vae_;
}
TextConditioner& LtxVideoModelSpec::text() const {
  if (!text_) throw Error("ltx-video: the text encoder is not loaded");
  return *text_;
}

TensorMap LtxVideoModelSpec::encode_conditions(const std::vector<std::string>& captions) {
  return text().encode(captions);
}

TensorMap LtxVideoModelSpec::encode_latents(const at::Tensor& pixels) {
  c10::AutoGradMode no_grad(false);
  auto& vae = vae_model();
  const auto dtype = vae.parameters().front().scalar_type();
  auto posterior = vae.encode(pixels.to(dtype));
  return {{"latent_mean", posterior.mean().to(at::kFloat).contiguous()},
          {"latent_logvar", posterior.logvar().to(at::kFloat).contiguous()}};
}

at::Tensor LtxVideoModelSpec::prepare_latents(const TensorMap& encoded, at::Generator generator) {
  const at::Tensor& mean = encoded.at("latent_mean");
  const at::Tensor& logvar = encoded.at("latent_logvar");
  at::Tensor z = mean + (logvar * 0.5).exp() * at::randn(mean.sizes(), generator, mean.options());
  return statistics_.normalize(z);
}

at::Tensor LtxVideoModelSpec::decode_latents(const at::Tensor& latents) {
  c10::AutoGradMode no_grad(false);
  return decode_to_pixels(vae_model(), statistics_, options_, latents,
                          at::make_generator<at::CPUGeneratorImpl>(context_.seed));
}

torch::nn::Module& LtxVideoModelSpec::denoiser() { return transformer(); }

BlockRunner& LtxVideoModelSpec::blocks() { return transformer().block_runner(); }

at::Tensor LtxVideoModelSpec::forward(const DenoiserInput& input) {
  auto& model = transformer();
  const auto& tc = model.config();
  const auto dtype = model.proj_in->weight.scalar_type();
  const at::Tensor& noisy = input.noisy_latents;
  const TokenGrid grid = token_grid(noisy, tc.patch_size, tc.patch_size_t);
  auto condition = [&](const char* key) {
    auto it = input.conditions.find(key);
    if (it == input.conditions.end()) throw Error(fmt::format("ltx-video: conditions have no '{}'", key));
    return it->second;
  };
  LtxTransformerInputs in;
  in.hidden_states = pack_latents(noisy, tc.patch_size, tc.patch_size_t).to(dtype);
  in.encoder_hidden_states = condition("encoder_hidden_states").to(dtype);
  in.encoder_attention_mask = condition("encoder_attention_mask");
  in.timestep = sigmas_to_timesteps(input.sigmas.to(at::kFloat), grid, tc.patch_size_t);
  in.grid = grid;
  const double t_ratio = static_cast<double>(architecture_.vae.temporal_compression());
  const double s_ratio = static_cast<double>(architecture_.vae.spatial_compression());
  in.rope_interpolation_scale = std::array<double, 3>{t_ratio / options_.frame_rate, s_ratio, s_ratio};
  at::Tensor tokens = model.forward(in);
  return unpack_latents(tokens, noisy.size(2), noisy.size(3), noisy.size(4), tc.patch_size, tc.patch_size_t);
}

at::Tensor LtxVideoModelSpec::sample(const SampleRequest& request) {
  SamplerParts parts{transformer(), vae_model(), text(), statistics_, options_, architecture_.scheduler_json};
  return sample_video(parts, request);
}

}  // namespace finetrain::ltx_video
