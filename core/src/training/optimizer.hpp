// Optimizers of the training loop: AdamW, Adam, SGD. State is fp32 whatever the weight dtype;
// parameters stored in bf16/fp16 get an fp32 master copy that the update is applied to, so small
// updates are not lost to rounding. All state is a TensorMap of named tensors, so a checkpoint
// stores it as safetensors and a resume restores it bit for bit.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/tensor_map.hpp"

namespace finetrain::host {

struct OptimizerSettings {
  std::string name = "adamw";  // adamw | adam | sgd
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 1e-4;
  double momentum = 0.0;  // sgd
};

class Optimizer {
 public:
  virtual ~Optimizer();
  // One update with learning rate `lr` from the parameters' current .grad(); parameters without a
  // gradient are left unchanged (their state does not advance).
  virtual void step(double lr) = 0;
  void zero_grad();

  // "<param>.<slot>" tensors and "<param>.step" (int64 scalar). load_state() requires exactly the names
  // state() produces for the same parameters, and the same shapes.
  virtual TensorMap state() const = 0;
  virtual void load_state(const TensorMap& state) = 0;

  const std::vector<std::pair<std::string, at::Tensor>>& parameters() const { return params_; }

 protected:
  explicit Optimizer(std::vector<std::pair<std::string, at::Tensor>> params);
  std::vector<std::pair<std::string, at::Tensor>> params_;
};

// Throws finetrain::Error for an unknown name.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings,
                                          std::vector<std::pair<std::string, at::Tensor>> params);

}  // namespace finetrain::host
