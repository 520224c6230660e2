// The sft trainer: injects LoRA (or unfreezes the denoiser) and forms the flow-matching loss.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "finetrain/lora.hpp"
#include "finetrain/trainer.hpp"
#include "options.hpp"

namespace finetrain::sft {

class SftTrainer final : public Trainer {
 public:
  ConfigSchema options_schema() const override;
  void setup(const TrainerContext& context) override;
  std::vector<std::pair<std::string, at::Tensor>> trainable_parameters() override;
  LossResult compute_loss(const TensorMap& batch, at::Generator generator) override;
  std::vector<ExportedFile> export_weights(const std::string& directory) override;

 private:
  // Per-frame sigmas [B, F] with the first frame clean (sigma 0) for samples drawn for conditioning.
  at::Tensor frame_sigmas(const at::Tensor& sigmas, int64_t frames, at::Generator generator) const;

  ModelSpec* model_ = nullptr;
  ModelTraits traits_;
  SftOptions options_;
  std::string model_name_;
  std::string targets_;
  std::vector<LoraLayer> lora_layers_;
};

}  // namespace finetrain::sft
