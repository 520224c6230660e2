// Component builders for T5EncoderModel / UMT5EncoderModel parity checks.
#include <fmt/format.h>
#include <torch/nn/module.h>

#include "finetrain/error.hpp"
#include "finetrain/t5_encoder.hpp"
#include "text_encoders/t5/t5_modules.hpp"

namespace finetrain {
namespace {

// transformers' module tree, where encoder.embed_tokens *is* shared, so its state_dict() lists the
// embedding under both names. Our encoder keeps one parameter (libtorch's named_parameters() does
// not deduplicate, so an alias would be counted and optimised twice); this view re-parents the
// encoder's own submodules to present both names for loading a saved state dict and reading
// gradients. train()/eval() reach the whole encoder, including modules the view does not hold.
class TransformersStateView : public torch::nn::Module {
 public:
  explicit TransformersStateView(T5Encoder& encoder) : encoder_(encoder) {
    auto& model = static_cast<t5::EncoderModel&>(encoder.module());
    register_module("shared", model.shared());
    auto stack = register_module("encoder", std::make_shared<torch::nn::Module>());
    stack->register_module("embed_tokens", model.shared());
    stack->register_module("block", model.encoder()->block_list());
    stack->register_module("final_layer_norm", model.encoder()->final_layer_norm());
  }

  void train(bool on) override {
    torch::nn::Module::train(on);
    encoder_.module().train(on);
  }

 private:
  T5Encoder& encoder_;
};

class T5ParityComponent final : public ParityComponent {
 public:
  T5ParityComponent(const T5EncoderConfig& config, c10::Device device)
      : encoder_(config, c10::kFloat, device), view_(std::make_shared<TransformersStateView>(encoder_)) {}

  torch::nn::Module* module() override { return view_.get(); }

  TensorMap run(const TensorMap& inputs, const std::string&) override {
    auto ids = inputs.find("input_ids");
    if (ids == inputs.end()) throw Error("T5 encoder parity: the fixture has no in.input_ids");
    auto mask = inputs.find("attention_mask");
    return {{"last_hidden_state", encoder_.encode(ids->second, mask == inputs.end() ? at::Tensor() : mask->second)}};
  }

 private:
  T5Encoder encoder_;
  std::shared_ptr<TransformersStateView> view_;
};

ComponentBuilder builder_for(const char* class_name, T5Variant variant) {
  ComponentBuilder builder;
  builder.class_name = class_name;
  builder.build = [class_name, variant](const std::string& config_json, c10::Device device) {
    const T5EncoderConfig config = T5EncoderConfig::from_json(config_json, std::string(class_name) + " config.json");
    if (config.variant != variant)
      throw Error(fmt::format("{} config.json: \"model_type\" is '{}', expected '{}'", class_name,
                              variant == T5Variant::UMT5 ? "t5" : "umt5", variant == T5Variant::UMT5 ? "umt5" : "t5"));
    return std::unique_ptr<ParityComponent>(std::make_unique<T5ParityComponent>(config, device));
  };
  return builder;
}

}  // namespace

ComponentBuilder t5_encoder_component_builder() { return builder_for("T5EncoderModel", T5Variant::T5); }
ComponentBuilder umt5_encoder_component_builder() { return builder_for("UMT5EncoderModel", T5Variant::UMT5); }

}  // namespace finetrain
