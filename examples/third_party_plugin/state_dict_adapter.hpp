// Key names of toy-pixel outside finetrain. Diffusers names are the native ones (the module paths
// of ToyPixelTransformer); the "original" single-file layout uses DiT-style names, and ComfyUI
// loads that original layout (its "diffusion_model." prefix is added by whoever writes the file).
#pragma once

#include <finetrain/model_spec.hpp>

#include <string>

namespace toy_pixel {

class ToyPixelStateDictAdapter : public finetrain::StateDictAdapter {
 public:
  // Maps the module path at the start of `key` and keeps the rest (".weight", ".lora_A.weight", ...).
  std::string from_diffusers(const std::string& key, finetrain::KeyFormat format) const override;
  std::string to_diffusers(const std::string& key, finetrain::KeyFormat format) const override;
};

}  // namespace toy_pixel
