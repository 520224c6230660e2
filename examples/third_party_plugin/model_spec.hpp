// finetrain::ModelSpec of the toy-pixel family: wires the text encoder, the identity VAE, the
// denoiser and the sampler to the interface the training engine knows. No training logic here:
// the trainer forms the loss from traits().objective (flow-matching velocity).
#pragma once

#include <finetrain/block_runner.hpp>
#include <finetrain/model_spec.hpp>

#include <memory>
#include <optional>

#include "component_configs.hpp"
#include "options.hpp"
#include "state_dict_adapter.hpp"

namespace toy_pixel {

class ToyPixelTransformer;
class ToyPixelTextEncoder;
class PixelVae;

class ToyPixelModelSpec : public finetrain::ModelSpec {
 public:
  ToyPixelModelSpec();
  ~ToyPixelModelSpec() override;

  finetrain::ConfigSchema options_schema() const override;
  std::vector<std::string> presets() const override;
  finetrain::ModelTraits traits() const override;
  std::vector<finetrain::ComponentBuilder> component_builders() const override;
  const finetrain::StateDictAdapter& state_dict_adapter() const override;

  void configure(const finetrain::ModelContext& context) override;
  void load(uint32_t components) override;
  void release(uint32_t components) override;

  finetrain::TensorMap encode_conditions(const std::vector<std::string>& captions) override;
  finetrain::TensorMap encode_latents(const at::Tensor& pixels) override;
  at::Tensor prepare_latents(const finetrain::TensorMap& encoded, at::Generator generator) override;
  at::Tensor decode_latents(const at::Tensor& latents) override;

  torch::nn::Module& denoiser() override;
  finetrain::BlockRunner& blocks() override;
  at::Tensor forward(const finetrain::DenoiserInput& input) override;

  at::Tensor sample(const finetrain::SampleRequest& request) override;

 private:
  const finetrain::ModelContext& context() const;
  ToyPixelTransformer& transformer() const;
  ToyPixelTextEncoder& text_encoder() const;
  const PixelVae& vae() const;

  std::optional<finetrain::ModelContext> context_;  // set by configure()
  ToyPixelOptions options_;
  PresetConfigs configs_;
  std::shared_ptr<ToyPixelTransformer> transformer_;
  std::shared_ptr<ToyPixelTextEncoder> text_encoder_;
  std::unique_ptr<PixelVae> vae_;
  finetrain::BlockRunner runner_;
  ToyPixelStateDictAdapter adapter_;
};

}  // namespace toy_pixel
