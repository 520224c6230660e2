#include "transformer/component_builder.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "finetrain/call_literals.hpp"
#include "finetrain/error.hpp"
#include "transformer/transformer.hpp"

namespace finetrain::ltx_video {
namespace {

const at::Tensor& required(const TensorMap& inputs, const std::string& name) {
  auto it = inputs.find(name);
  if (it == inputs.end()) throw Error(fmt::format("LTXVideoTransformer3DModel parity call: missing input '{}'", name));
  return it->second;
}

class LtxTransformerParityComponent final : public ParityComponent {
 public:
  LtxTransformerParityComponent(const LtxTransformerConfig& config, c10::Device device) : model_(config) {
    model_->to(device);
  }

  torch::nn::Module* module() override { return model_.get(); }

  TensorMap run(const TensorMap& inputs, const std::string& call) override {
    const CallLiterals literals(call);
    LtxTransformerInputs in;
    in.hidden_states = required(inputs, "hidden_states");
    in.encoder_hidden_states = required(inputs, "encoder_hidden_states");
    in.timestep = required(inputs, "timestep");
    if (auto it = inputs.find("encoder_attention_mask"); it != inputs.end()) in.encoder_attention_mask = it->second;
    in.grid = {literals.get_int("num_frames"), literals.get_int("height"), literals.get_int("width")};
    if (literals.has("rope_interpolation_scale")) {
      const std::vector<double> scale = literals.get_floats("rope_interpolation_scale");
      if (scale.size() != 3)
        throw Error(fmt::format("LTXVideoTransformer3DModel parity call: rope_interpolation_scale needs 3 values, "
                                "found {}",
                                scale.size()));
      in.rope_interpolation_scale = std::array<double, 3>{scale[0], scale[1], scale[2]};
    }
    return {{"sample", model_->forward(in)}};
  }

 private:
  LtxVideoTransformer3DModel model_;
};

}  // namespace

ComponentBuilder ltx_transformer_component_builder() {
  ComponentBuilder builder;
  builder.class_name = "LTXVideoTransformer3DModel";
  builder.build = [](const std::string& config_json, c10::Device device) -> std::unique_ptr<ParityComponent> {
    return std::make_unique<LtxTransformerParityComponent>(
        LtxTransformerConfig::from_json(config_json, "LTXVideoTransformer3DModel config.json"), device);
  };
  return builder;
}

}  // namespace finetrain::ltx_video
