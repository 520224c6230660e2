// LoRA file formats: key naming, folding alpha into lora_B, loading and converting.
#include <ATen/TensorOperators.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "finetrain/error.hpp"
#include "finetrain/lora.hpp"

namespace finetrain {
namespace {

constexpr const char* kDiffusersPrefix = "transformer.";
constexpr const char* kComfyPrefix = "diffusion_model.";
constexpr const char* kSuffixA = ".lora_A.weight";
constexpr const char* kSuffixB = ".lora_B.weight";

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

const char* prefix_of(LoraFormat f) { return f == LoraFormat::Diffusers ? kDiffusersPrefix : kComfyPrefix; }

// A module path in diffusers naming -> the same module in `format` naming (via its ".weight" key).
std::string module_in(const std::string& diffusers_module, LoraFormat format, const StateDictAdapter& adapter) {
  if (format == LoraFormat::Diffusers) return diffusers_module;
  std::string key = adapter.from_diffusers(diffusers_module + ".weight", KeyFormat::Comfy);
  if (!ends_with(key, ".weight")) throw Error(fmt::format("adapter maps '{}.weight' to '{}'", diffusers_module, key));
  return key.substr(0, key.size() - 7);
}

std::string module_to_diffusers(const std::string& module, LoraFormat format, const StateDictAdapter& adapter) {
  if (format == LoraFormat::Diffusers) return module;
  std::string key = adapter.to_diffusers(module + ".weight", KeyFormat::Comfy);
  if (!ends_with(key, ".weight")) throw Error(fmt::format("adapter maps '{}.weight' to '{}'", module, key));
  return key.substr(0, key.size() - 7);
}

struct ParsedKey {
  std::string module;  // in the file's naming, prefix removed
  bool is_a;
};

ParsedKey parse_key(const std::string& key, LoraFormat format) {
  const std::string prefix = prefix_of(format);
  if (!starts_with(key, prefix))
    throw Error(fmt::format("LoRA key '{}' does not start with '{}' like the rest of the file", key, prefix));
  std::string rest = key.substr(prefix.size());
  if (ends_with(rest, kSuffixA)) return {rest.substr(0, rest.size() - 14), true};
  if (ends_with(rest, kSuffixB)) return {rest.substr(0, rest.size() - 14), false};
  throw Error(fmt::format("LoRA key '{}' is not a lora_A / lora_B weight (alpha tensors, kohya lora_down/lora_up "
                          "and DoRA magnitudes are not supported)",
                          key));
}

}  // namespace

const char* to_string(LoraFormat format) { return format == LoraFormat::Diffusers ? "diffusers" : "comfy"; }

LoraFormat detect_lora_format(const TensorMap& tensors) {
  if (tensors.empty()) throw Error("LoRA file has no tensors");
  const LoraFormat f = starts_with(tensors.begin()->first, kDiffusersPrefix) ? LoraFormat::Diffusers : LoraFormat::Comfy;
  for (const auto& [key, t] : tensors)
    if (!starts_with(key, prefix_of(f)))
      throw Error(fmt::format("LoRA key '{}' fits neither the diffusers ('{}') nor the ComfyUI ('{}') naming of the "
                              "file's other keys",
                              key, kDiffusersPrefix, kComfyPrefix));
  return f;
}

TensorMap export_lora(const std::vector<LoraLayer>& layers, LoraFormat format, const StateDictAdapter& adapter) {
  c10::AutoGradMode no_grad(false);
  TensorMap out;
  for (const auto& l : layers) {
    if (l.layer->lora_merged()) throw Error(fmt::format("LoRA of '{}' is merged; unmerge before exporting", l.name));
    const std::string base = prefix_of(format) + module_in(l.name, format, adapter);
    out[base + kSuffixA] = l.layer->lora_A.detach().clone();
    out[base + kSuffixB] = (l.layer->lora_B.detach() * l.layer->lora_scale()).to(l.layer->lora_B.scalar_type());
  }
  return out;
}

safetensors::Metadata lora_metadata(const std::vector<LoraLayer>& layers, const std::string& model_name,
                                    const std::string& targets) {
  nlohmann::json config;
  std::set<int64_t> ranks;
  std::vector<std::string> modules;
  for (const auto& l : layers) {
    ranks.insert(l.layer->lora_rank());
    modules.push_back(l.name);
  }
  const int64_t rank = ranks.empty() ? 0 : *ranks.begin();
  config["r"] = rank;
  config["lora_alpha"] = rank;  // alpha / rank is folded into lora_B
  config["target_modules"] = modules;
  return {{"format", "pt"},
          {"lora_adapter_metadata", config.dump()},
          {"finetrain.model", model_name},
          {"finetrain.lora_targets", targets}};
}

void load_lora(const TensorMap& tensors, const std::vector<LoraLayer>& layers, const StateDictAdapter& adapter) {
  const LoraFormat format = detect_lora_format(tensors);
  std::map<std::string, LinearImpl*> by_module;
  for (const auto& l : layers) by_module[l.name] = l.layer;
  std::map<std::string, std::pair<at::Tensor, at::Tensor>> factors;  // diffusers module -> (A, B)
  for (const auto& [key, value] : tensors) {
    ParsedKey k = parse_key(key, format);
    const std::string module = module_to_diffusers(k.module, format, adapter);
    if (!by_module.count(module))
      throw Error(fmt::format("LoRA key '{}' targets '{}', which has no LoRA in this model", key, module));
    (k.is_a ? factors[module].first : factors[module].second) = value;
  }
  c10::AutoGradMode no_grad(false);
  for (const auto& l : layers) {
    auto it = factors.find(l.name);
    if (it == factors.end() || !it->second.first.defined() || !it->second.second.defined())
      throw Error(fmt::format("LoRA file has no lora_A/lora_B pair for '{}'", l.name));
    const auto& [a, b] = it->second;
    if (a.sizes() != l.layer->lora_A.sizes() || b.sizes() != l.layer->lora_B.sizes())
      throw Error(fmt::format("LoRA '{}': file shapes A {} B {} do not match the layer's A {} B {}", l.name,
                              a.sizes().vec(), b.sizes().vec(), l.layer->lora_A.sizes().vec(),
                              l.layer->lora_B.sizes().vec()));
    l.layer->lora_A.copy_(a);
    l.layer->lora_B.copy_(b);
    l.layer->set_lora_alpha(static_cast<double>(l.layer->lora_rank()));
  }
}

TensorMap convert_lora(const TensorMap& tensors, LoraFormat to, const StateDictAdapter& adapter) {
  const LoraFormat from = detect_lora_format(tensors);
  TensorMap out;
  for (const auto& [key, value] : tensors) {
    ParsedKey k = parse_key(key, from);
    const std::string module = module_in(module_to_diffusers(k.module, from, adapter), to, adapter);
    const std::string new_key = prefix_of(to) + module + (k.is_a ? kSuffixA : kSuffixB);
    if (!out.emplace(new_key, value).second)
      throw Error(fmt::format("LoRA keys collide after conversion: '{}'", new_key));
  }
  return out;
}

}  // namespace finetrain
