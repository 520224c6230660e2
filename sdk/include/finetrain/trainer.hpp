// Tier-1 trainer plugin interface: *what* is trained and how the loss is formed (sft: LoRA or full;
// control: widened input projection + control latents). The loop itself — accumulation, clipping,
// optimizer, schedules, checkpoints, validation cadence, metrics — lives in core, the same for all.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/abi.h"
#include "finetrain/component.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/export.hpp"
#include "finetrain/host_services.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/options.hpp"
#include "finetrain/tensor_map.hpp"

namespace finetrain {

struct FT_SDK_API TrainerContext {
  ModelSpec* model = nullptr;  // configured, denoiser loaded
  Options options;             // the whole resolved configuration
  c10::Device device{c10::DeviceType::CPU};
  c10::ScalarType dtype = c10::ScalarType::Float;  // weight dtype of trainable parameters' modules
  HostServices* host = nullptr;
};

struct FT_SDK_API LossResult {
  at::Tensor loss;                         // scalar, differentiable
  std::map<std::string, double> metrics;   // extra per-step values for logs (e.g. "sigma_mean")
};

struct FT_SDK_API ExportedFile {
  std::string path;
  std::string description;  // "LoRA, diffusers/PEFT keys"
};

class FT_SDK_API Trainer : public Component {
 public:
  static constexpr InterfaceInfo kInterface{"finetrain.Trainer", 1};
  static constexpr uint32_t kKind = FT_PLUGIN_KIND_TRAINER;
  ~Trainer() override;  // out of line: the vtable and typeinfo live in libfinetrain_sdk.so
  InterfaceInfo interface_info() const override { return kInterface; }

  // Keys this trainer reads (e.g. `lora.rank`, `flow_matching.weighting`), declared with prefix.
  virtual ConfigSchema options_schema() const = 0;
  // Decides what trains: injects adapters or unfreezes weights. Called once, before wrapping.
  virtual void setup(const TrainerContext& context) = 0;
  // Trainable parameters with stable names (the optimizer-state and checkpoint keys).
  virtual std::vector<std::pair<std::string, at::Tensor>> trainable_parameters() = 0;
  // Loss of one micro-batch; all randomness from `generator`.
  virtual LossResult compute_loss(const TensorMap& batch, at::Generator generator) = 0;
  // Writes the final (or intermediate) weights in the formats users load elsewhere into `directory`.
  virtual std::vector<ExportedFile> export_weights(const std::string& directory) = 0;
};

}  // namespace finetrain
