#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include <regex>

#include "finetrain/error.hpp"
#include "finetrain/lora.hpp"

namespace finetrain {

std::vector<LoraLayer> inject_lora(torch::nn::Module& root, const std::string& targets, const LoraSettings& settings,
                                   at::Generator generator, c10::ScalarType dtype) {
  std::regex pattern;
  try {
    pattern = std::regex(targets);
  } catch (const std::regex_error& e) {
    throw Error(fmt::format("LoRA targets '{}' is not a valid regular expression: {}", targets, e.what()));
  }
  std::vector<LoraLayer> layers;
  std::vector<std::string> linear_names;
  for (const auto& item : root.named_modules("", /*include_self=*/false)) {
    auto* linear = dynamic_cast<LinearImpl*>(item.value().get());
    if (!linear) continue;
    linear_names.push_back(item.key());
    if (!std::regex_match(item.key(), pattern)) continue;
    linear->enable_lora(settings, generator, dtype);
    layers.push_back({item.key(), linear});
  }
  if (layers.empty()) {
    std::string examples;
    for (size_t i = 0; i < std::min<size_t>(linear_names.size(), 8); ++i) examples += "\n  " + linear_names[i];
    throw Error(fmt::format("LoRA targets '{}' match no linear layer; the model has {} linear layers, e.g.:{}", targets,
                            linear_names.size(), examples));
  }
  return layers;
}

std::vector<LoraLayer> find_lora_layers(torch::nn::Module& root) {
  std::vector<LoraLayer> layers;
  for (const auto& item : root.named_modules("", /*include_self=*/false)) {
    auto* linear = dynamic_cast<LinearImpl*>(item.value().get());
    if (linear && linear->has_lora()) layers.push_back({item.key(), linear});
  }
  return layers;
}

void freeze_all_but_lora(torch::nn::Module& root) {
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& item : root.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    item.value().requires_grad_(ends_with(name, ".lora_A.weight") || ends_with(name, ".lora_B.weight"));
  }
}

}  // namespace finetrain
