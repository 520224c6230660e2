// LTX-Video as a finetrain model: the ModelSpec the training engine and check-parity use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "components.hpp"
#include "finetrain/model_spec.hpp"
#include "latent_statistics.hpp"
#include "options.hpp"
#include "state_dict_adapter.hpp"

namespace finetrain::ltx_video {

class LtxVideoModelSpec final : public ModelSpec {
 public:
  ConfigSchema options_schema() const override;
  std::vector<std::string> presets() const override;
  ModelTraits traits() const override;
  std::vector<ComponentBuilder> component_builders() const override;
  const StateDictAdapter& state_dict_adapter() const override { return adapter_; }

  void configure(const ModelContext& context) override;
  void load(uint32_t components) override;
  void release(uint32_t components) override;

  TensorMap encode_conditions(const std::vector<std::string>& captions) override;
  TensorMap encode_latents(const at::Tensor& pixels) override;
  at::Tensor prepare_latents(const TensorMap& encoded, at::Generator generator) override;
  at::Tensor decode_latents(const at::Tensor& latents) override;

  torch::nn::Module& denoiser() override;
  BlockRunner& blocks() override;
  at::Tensor forward(const DenoiserInput& input) override;

  at::Tensor sample(const SampleRequest& request) override;

 private:
  c10::ScalarType component_dtype(const std::string& setting) const;
  LtxVideoTransformer3DModelImpl& transformer() const;
  vae::AutoencoderKLLTXVideo& vae_model() const;
  TextConditioner& text() const;

  LtxStateDictAdapter adapter_;
  ModelContext context_;
  LtxVideoOptions options_;
  Architecture architecture_ = resolve_architecture(LtxVideoOptions{});
  bool configured_ = false;
  LatentStatistics statistics_;
  std::shared_ptr<LtxVideoTransformer3DModelImpl> transformer_;
  std::shared_ptr<vae::AutoencoderKLLTXVideo> vae_;
  std::unique_ptr<TextConditioner> text_;
};

}  // namespace finetrain::ltx_video
