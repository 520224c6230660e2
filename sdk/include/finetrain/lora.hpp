// LoRA: injection by module-name pattern, freezing, and the file formats the outside world loads.
//
// Files we write fold alpha / rank into lora_B and carry no `.alpha` tensors: diffusers refuses
// LTX-Video files with `.alpha` tensors, and when alpha lives only in the metadata header diffusers
// and ComfyUI apply different strengths. Folded, every client applies the same update B A.
//   diffusers / PEFT: "transformer.<diffusers module>.lora_A.weight" / ".lora_B.weight"
//   ComfyUI:          "diffusion_model.<ComfyUI module>.lora_A.weight" / ".lora_B.weight"
// (ComfyUI ignores keys starting with "transformer."; its module names come from the model
// family's StateDictAdapter.) An unknown key is an error, never silently dropped.
#pragma once

#include <ATen/core/Generator.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/nn/linear.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/tensor_map.hpp"

namespace finetrain {

struct FT_SDK_API LoraLayer {
  std::string name;  // module path in the denoiser, e.g. "transformer_blocks.0.attn1.to_q"
  LinearImpl* layer;
};

// Enables LoRA on every finetrain::Linear whose module path fully matches the regex `targets`
// (e.g. "transformer_blocks\.\d+\.attn[12]\.(to_q|to_k|to_v|to_out\.0)"). Throws when nothing
// matches, naming some linear layers that exist.
FT_SDK_API std::vector<LoraLayer> inject_lora(torch::nn::Module& root, const std::string& targets,
                                              const LoraSettings& settings, at::Generator generator,
                                              c10::ScalarType dtype);
// The layers of `root` that carry LoRA factors, in module order.
FT_SDK_API std::vector<LoraLayer> find_lora_layers(torch::nn::Module& root);
// requires_grad = false for every parameter except LoRA factors.
FT_SDK_API void freeze_all_but_lora(torch::nn::Module& root);

enum class LoraFormat { Diffusers, Comfy };
FT_SDK_API const char* to_string(LoraFormat format);
// Diffusers when every key starts with "transformer.", Comfy when every key starts with
// "diffusion_model."; otherwise an error naming a key that fits neither.
FT_SDK_API LoraFormat detect_lora_format(const TensorMap& tensors);

// Exported tensors in `format` (adapter needed for Comfy names), alpha / rank folded into lora_B.
FT_SDK_API TensorMap export_lora(const std::vector<LoraLayer>& layers, LoraFormat format,
                                 const StateDictAdapter& adapter);
// Metadata written with every LoRA file: PEFT-style config (rank, lora_alpha = rank, targets) and
// which model family it belongs to ("finetrain.model").
FT_SDK_API safetensors::Metadata lora_metadata(const std::vector<LoraLayer>& layers, const std::string& model_name,
                                               const std::string& targets);

// Loads a file in either format into layers that already carry LoRA of the stored rank; every
// file key must land on a layer and every layer must be covered.
FT_SDK_API void load_lora(const TensorMap& tensors, const std::vector<LoraLayer>& layers,
                          const StateDictAdapter& adapter);

// Renames every key between formats; a key that does not convert is an error.
FT_SDK_API TensorMap convert_lora(const TensorMap& tensors, LoraFormat to, const StateDictAdapter& adapter);

}  // namespace finetrain
