// Tier-1 model plugin interface: one diffusion model family (LTX-Video, Wan, Flux, ...).
//
// The training engine knows models only through this interface. The split follows what a trainer
// needs (cf. finetrainers' ModelSpecification): encoders that run once before training and are
// freed, a denoiser with repeated blocks, the family's objective and timestep convention, sampling
// for validation, and the key names of the outside world (diffusers, original, ComfyUI).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "finetrain/block_runner.hpp"
#include "finetrain/abi.h"
#include "finetrain/component.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/export.hpp"
#include "finetrain/host_services.hpp"
#include "finetrain/options.hpp"
#include "finetrain/tensor_map.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

// What the denoiser is trained to predict.
enum class Objective {
  FlowMatchingVelocity,  // x_t = (1 - s) x0 + s n, target n - x0 (LTX, Wan, Hunyuan, Flux)
  VPrediction,           // DDPM v-prediction on alphas_cumprod (CogVideoX)
};

FT_SDK_API const char* to_string(Objective objective);

// Bits for ModelSpec::load() / release().
enum ModelComponent : uint32_t {
  kDenoiser = 1u << 0,
  kTextEncoder = 1u << 1,  // tokenizer(s) + text encoder(s)
  kVae = 1u << 2,
  kAllComponents = kDenoiser | kTextEncoder | kVae,
};

// Static facts about a family that the engine needs to shape data and schedules.
struct FT_SDK_API ModelTraits {
  Objective objective = Objective::FlowMatchingVelocity;
  int64_t latent_channels = 0;
  int64_t vae_temporal_compression = 1;  // pixel frames per latent frame (after the first)
  int64_t vae_spatial_compression = 1;
  // Valid pixel frame counts are temporal_compression * k + frame_count_offset (LTX: 8k + 1).
  int64_t frame_count_offset = 1;
  int64_t spatial_multiple = 1;  // height and width must be multiples of this
  double default_frame_rate = 25.0;
  bool per_frame_sigmas = false;  // forward() accepts sigmas of shape [B, F_latent]
  bool is_video = true;
  int64_t num_train_timesteps = 1000;
  std::string default_lora_targets;  // module-name regex over diffusers names
};

// Where the model comes from and how it is placed.
struct FT_SDK_API ModelContext {
  Options options;  // the `model.*` section, prefix removed, defaults filled
  c10::Device device{c10::DeviceType::CPU};
  c10::ScalarType dtype = c10::ScalarType::Float;               // denoiser weights
  c10::ScalarType text_encoder_dtype = c10::ScalarType::Float;
  c10::ScalarType vae_dtype = c10::ScalarType::Float;
  uint64_t seed = 0;  // initialisation of presets without weights
  HostServices* host = nullptr;
};

// One denoiser call in the training layout.
struct FT_SDK_API DenoiserInput {
  at::Tensor noisy_latents;  // [B, C, F, H, W] (images: F = 1)
  at::Tensor sigmas;         // [B] or, where traits().per_frame_sigmas, [B, F]
  TensorMap conditions;      // from encode_conditions(), batched
};

struct FT_SDK_API SampleRequest {
  std::string prompt;
  std::string negative_prompt;
  int64_t num_frames = 1;
  int64_t height = 0;
  int64_t width = 0;
  int64_t num_inference_steps = 30;
  double guidance_scale = 3.0;
  double frame_rate = 25.0;
  uint64_t seed = 0;
  std::optional<at::Tensor> first_frame;  // [C, H, W] in [-1, 1] for image-to-video families
};

// Key-name systems a checkpoint or LoRA can use.
enum class KeyFormat { Diffusers, Original, Comfy };

class FT_SDK_API StateDictAdapter {
 public:
  virtual ~StateDictAdapter();
  // Converts one diffusers key (module path + parameter, no "transformer." prefix) to `format`.
  // Throws finetrain::Error when the key has no counterpart.
  virtual std::string from_diffusers(const std::string& key, KeyFormat format) const = 0;
  // Inverse of from_diffusers().
  virtual std::string to_diffusers(const std::string& key, KeyFormat format) const = 0;
};

// A component built from a diffusers config, for `finetrain check-parity`.
class FT_SDK_API ParityComponent {
 public:
  virtual ~ParityComponent();
  // The module whose named_parameters() carry diffusers / transformers key names (may be null).
  virtual torch::nn::Module* module() = 0;
  // Runs the fixture's reference call. `inputs` are the fixture's `in.*` tensors without the
  // prefix; `call` is the call text from the fixture metadata (literal keyword arguments such as
  // num_frames=2 are read from it). Returns outputs named like the fixture's `out.*` tensors.
  virtual TensorMap run(const TensorMap& inputs, const std::string& call) = 0;
};

struct FT_SDK_API ComponentBuilder {
  std::string class_name;  // diffusers `_class_name`, e.g. "LTXVideoTransformer3DModel"
  std::function<std::unique_ptr<ParityComponent>(const std::string& config_json, c10::Device device)> build;
};

class FT_SDK_API ModelSpec : public Component {
 public:
  static constexpr InterfaceInfo kInterface{"finetrain.ModelSpec", 1};
  static constexpr uint32_t kKind = FT_PLUGIN_KIND_MODEL;
  ~ModelSpec() override;  // out of line: the vtable and typeinfo live in libfinetrain_sdk.so
  InterfaceInfo interface_info() const override { return kInterface; }

  // ---- description (valid right after creation) ----
  virtual ConfigSchema options_schema() const = 0;  // keys under `model.`, declared with the prefix
  virtual std::vector<std::string> presets() const = 0;
  virtual ModelTraits traits() const = 0;
  virtual std::vector<ComponentBuilder> component_builders() const = 0;
  virtual const StateDictAdapter& state_dict_adapter() const = 0;

  // ---- lifetime of the weights ----
  virtual void configure(const ModelContext& context) = 0;
  // Loads (from model.path) or builds (from model.preset) the components in the `components` mask.
  virtual void load(uint32_t components) = 0;
  // Frees components no longer needed (encoders after latents and conditions are cached).
  virtual void release(uint32_t components) = 0;

  // ---- preprocessing ----
  // Conditions for captions, batched along dim 0 (e.g. "encoder_hidden_states", "encoder_attention_mask").
  virtual TensorMap encode_conditions(const std::vector<std::string>& captions) = 0;
  // Encodes pixels [B, C, F, H, W] in [-1, 1]. Returns what is cached on disk (e.g. the latent
  // distribution's moments); prepare_latents() turns it into training latents.
  virtual TensorMap encode_latents(const at::Tensor& pixels) = 0;
  // Cached encode_latents() output -> normalised latents [B, C, F, H, W], sampling with `generator`.
  virtual at::Tensor prepare_latents(const TensorMap& encoded, at::Generator generator) = 0;
  // Normalised latents -> pixels [B, C, F, H, W] in [-1, 1].
  virtual at::Tensor decode_latents(const at::Tensor& latents) = 0;

  // ---- the denoiser ----
  virtual torch::nn::Module& denoiser() = 0;  // named_parameters() use diffusers keys
  virtual BlockRunner& blocks() = 0;
  // Prediction in the latent layout of input.noisy_latents, in the objective's target space.
  virtual at::Tensor forward(const DenoiserInput& input) = 0;

  // ---- validation ----
  // Runs the family's sampler; returns pixels [1, C, F, H, W] in [-1, 1].
  virtual at::Tensor sample(const SampleRequest& request) = 0;
};

}  // namespace finetrain
