#include "vae/component_builder.hpp"

#include "finetrain/error.hpp"
#include "vae/autoencoder.hpp"

namespace finetrain::ltx_video::vae {
namespace {

const at::Tensor& required_input(const TensorMap& inputs, const std::string& name) {
  auto it = inputs.find(name);
  if (it == inputs.end()) throw Error("AutoencoderKLLTXVideo parity call: fixture input 'in." + name + "' is missing");
  return it->second;
}

class LtxVaeParityComponent : public ParityComponent {
 public:
  explicit LtxVaeParityComponent(std::shared_ptr<AutoencoderKLLTXVideo> vae) : vae_(std::move(vae)) {}

  torch::nn::Module* module() override { return vae_.get(); }

  TensorMap run(const TensorMap& inputs, const std::string& /*call*/) override {
    const DiagonalGaussianDistribution posterior = vae_->encode(required_input(inputs, "sample"));
    auto temb = inputs.find("temb");
    TensorMap outputs;
    outputs["latent_mean"] = posterior.mean();
    outputs["latent_logvar"] = posterior.logvar();
    outputs["decoded"] = vae_->decode(required_input(inputs, "z"), temb == inputs.end() ? at::Tensor() : temb->second);
    return outputs;
  }

 private:
  std::shared_ptr<AutoencoderKLLTXVideo> vae_;
};

}  // namespace

ComponentBuilder ltx_vae_component_builder() {
  ComponentBuilder builder;
  builder.class_name = "AutoencoderKLLTXVideo";
  builder.build = [](const std::string& config_json, c10::Device device) -> std::unique_ptr<ParityComponent> {
    const LtxVaeConfig config = parse_ltx_vae_config(config_json, "AutoencoderKLLTXVideo config.json");
    auto vae = std::make_shared<AutoencoderKLLTXVideo>(config, at::TensorOptions().dtype(at::kFloat).device(device));
    return std::make_unique<LtxVaeParityComponent>(std::move(vae));
  };
  return builder;
}

}  // namespace finetrain::ltx_video::vae
