#include "component_builders.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <finetrain/error.hpp>

#include <memory>
#include <string>

#include "describe.hpp"
#include "layers.hpp"
#include "pixel_vae.hpp"
#include "text_encoder.hpp"
#include "transformer.hpp"

namespace toy_pixel {

namespace {

const at::Tensor& input(const finetrain::TensorMap& inputs, const std::string& name, const char* component) {
  auto it = inputs.find(name);
  if (it == inputs.end())
    throw finetrain::Error(std::string(component) + ": input '" + name + "' is missing; given: " + describe(inputs));
  return it->second;
}

// Built components start from seed 0; check-parity overwrites every parameter with the fixture's.
at::Generator initial_generator() { return at::detail::createCPUGenerator(0); }

// transformer(hidden_states, encoder_hidden_states, timestep[, encoder_attention_mask]) -> sample
class TransformerComponent : public finetrain::ParityComponent {
 public:
  TransformerComponent(const TransformerConfig& config, c10::Device device)
      : model_(std::make_shared<ToyPixelTransformer>(config)) {
    reset_parameters(*model_, initial_generator());
    model_->to(device);
    runner_.set_blocks(model_->block_refs());
  }
  torch::nn::Module* module() override { return model_.get(); }
  finetrain::TensorMap run(const finetrain::TensorMap& inputs, const std::string&) override {
    auto mask = inputs.find("encoder_attention_mask");
    at::Tensor out = model_->forward(
        input(inputs, "hidden_states", kTransformerClass), input(inputs, "encoder_hidden_states", kTransformerClass),
        mask == inputs.end() ? at::Tensor() : mask->second, input(inputs, "timestep", kTransformerClass), runner_);
    return {{"sample", out}};
  }

 private:
  std::shared_ptr<ToyPixelTransformer> model_;
  finetrain::BlockRunner runner_;
};

// text_encoder(input_ids) -> last_hidden_state
class TextEncoderComponent : public finetrain::ParityComponent {
 public:
  TextEncoderComponent(const TextEncoderConfig& config, c10::Device device)
      : model_(std::make_shared<ToyPixelTextEncoder>(config)) {
    reset_parameters(*model_, initial_generator());
    model_->to(device);
  }
  torch::nn::Module* module() override { return model_.get(); }
  finetrain::TensorMap run(const finetrain::TensorMap& inputs, const std::string&) override {
    return {{"last_hidden_state", model_->forward(input(inputs, "input_ids", kTextEncoderClass))}};
  }

 private:
  std::shared_ptr<ToyPixelTextEncoder> model_;
};

// vae.encode(sample) -> latents (normalised), or vae.decode(latents) -> sample; chosen by the call.
class VaeComponent : public finetrain::ParityComponent {
 public:
  VaeComponent(const VaeConfig& config, c10::Device device) : vae_(config, device, at::kFloat) {}
  torch::nn::Module* module() override { return nullptr; }  // no weights
  finetrain::TensorMap run(const finetrain::TensorMap& inputs, const std::string& call) override {
    if (call.find("decode") != std::string::npos) return {{"sample", vae_.decode(input(inputs, "latents", kVaeClass))}};
    if (call.find("encode") != std::string::npos)
      return {{"latents", vae_.normalize(vae_.encode(input(inputs, "sample", kVaeClass)))}};
    throw finetrain::Error(std::string(kVaeClass) + ": the call '" + call + "' names neither encode nor decode");
  }

 private:
  PixelVae vae_;
};

}  // namespace

std::vector<finetrain::ComponentBuilder> component_builders() {
  return {
      {kTransformerClass,
       [](const std::string& json, c10::Device device) -> std::unique_ptr<finetrain::ParityComponent> {
         return std::make_unique<TransformerComponent>(parse_transformer_config(json, kTransformerClass), device);
       }},
      {kTextEncoderClass,
       [](const std::string& json, c10::Device device) -> std::unique_ptr<finetrain::ParityComponent> {
         return std::make_unique<TextEncoderComponent>(parse_text_encoder_config(json, kTextEncoderClass), device);
       }},
      {kVaeClass,
       [](const std::string& json, c10::Device device) -> std::unique_ptr<finetrain::ParityComponent> {
         return std::make_unique<VaeComponent>(parse_vae_config(json, kVaeClass), device);
       }},
  };
}

}  // namespace toy_pixel
