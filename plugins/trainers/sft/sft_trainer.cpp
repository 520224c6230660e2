#include "sft_trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/where.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include <filesystem>

#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"

namespace finetrain::sft {

ConfigSchema SftTrainer::options_schema() const { return sft_options_schema(); }

void SftTrainer::setup(const TrainerContext& context) {
  if (!context.model) throw Error("the sft trainer needs a model");
  model_ = context.model;
  traits_ = model_->traits();
  options_ = sft_options_from(context.options);
  model_name_ = context.options.has("model.name") ? context.options.get_string("model.name") : "";
  if (traits_.objective != Objective::FlowMatchingVelocity)
    throw Error(fmt::format("the sft trainer forms flow-matching losses; this model's objective is {}",
                            to_string(traits_.objective)));
  if (options_.first_frame_conditioning_p > 0 && !traits_.per_frame_sigmas)
    throw Error("sft.first_frame_conditioning_p needs a model that accepts per-frame timesteps");

  torch::nn::Module& denoiser = model_->denoiser();
  if (options_.mode == "lora") {
    targets_ = options_.lora_targets.empty() ? traits_.default_lora_targets : options_.lora_targets;
    // LoRA factors train in float32 whatever the weight dtype; their init has its own stream so
    // that the training stream does not depend on how many layers were adapted.
    at::Generator init = at::make_generator<at::CPUGeneratorImpl>(
        static_cast<uint64_t>(context.options.get_int("training.seed")) ^ 0x4C6F5241ull);
    lora_layers_ = inject_lora(denoiser, targets_, options_.lora, init, at::kFloat);
    freeze_all_but_lora(denoiser);
  } else {
    for (auto& p : denoiser.parameters()) p.requires_grad_(true);
  }
}

std::vector<std::pair<std::string, at::Tensor>> SftTrainer::trainable_parameters() {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : model_->denoiser().named_parameters(/*recurse=*/true))
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

at::Tensor SftTrainer::frame_sigmas(const at::Tensor& sigmas, int64_t frames, at::Generator generator) const {
  at::Tensor per_frame = sigmas.unsqueeze(1).expand({sigmas.size(0), frames}).clone();
  at::Tensor conditioned = at::rand({sigmas.size(0)}, generator) < options_.first_frame_conditioning_p;
  per_frame.select(1, 0).masked_fill_(conditioned, 0.0);
  return per_frame;
}

LossResult SftTrainer::compute_loss(const TensorMap& batch, at::Generator generator) {
  auto it = batch.find("latents");
  if (it == batch.end()) throw Error("batch has no 'latents'");
  const at::Tensor x0 = it->second.to(at::kFloat);  // [B, C, F, H, W]
  const int64_t B = x0.size(0), F = x0.size(2);
  const int64_t seq_len = F * x0.size(3) * x0.size(4);

  at::Tensor sigmas = sample_flow_sigmas(options_.sampling, options_.shift, {B}, seq_len, generator);
  const bool per_frame = options_.first_frame_conditioning_p > 0;
  if (per_frame) sigmas = frame_sigmas(sigmas, F, generator);
  at::Tensor noise = at::randn(x0.sizes(), generator, x0.options());

  DenoiserInput input;
  input.noisy_latents = flow_match_noisy(x0, noise, sigmas);
  input.sigmas = sigmas;
  for (const auto& [k, v] : batch)
    if (k != "latents") input.conditions.emplace(k, v);
  at::Tensor prediction = model_->forward(input).to(at::kFloat);

  at::Tensor error = (prediction - flow_match_target(x0, noise)).pow(2);
  at::Tensor weight = broadcast_sigmas(loss_weighting(options_.weighting, sigmas), x0);
  if (per_frame) {
    // Clean conditioning frames are inputs, not predictions: they carry no loss.
    weight = weight * broadcast_sigmas((sigmas > 0).to(at::kFloat), x0);
  }
  at::Tensor weighted = error * weight;
  at::Tensor counted = (weight > 0).to(at::kFloat).expand_as(error).sum().clamp_min(1.0);
  LossResult result;
  result.loss = weighted.sum() / counted;
  result.metrics["sigma_mean"] = sigmas.mean().item<double>();
  return result;
}

std::vector<ExportedFile> SftTrainer::export_weights(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<ExportedFile> files;
  if (options_.mode == "lora") {
    const auto& adapter = model_->state_dict_adapter();
    const auto metadata = lora_metadata(lora_layers_, model_name_, targets_);
    const std::string diffusers = (fs::path(directory) / "lora_weights.safetensors").string();
    const std::string comfy = (fs::path(directory) / "lora_weights_comfy.safetensors").string();
    safetensors::save(diffusers, export_lora(lora_layers_, LoraFormat::Diffusers, adapter), metadata);
    safetensors::save(comfy, export_lora(lora_layers_, LoraFormat::Comfy, adapter), metadata);
    files.push_back({diffusers, "LoRA, diffusers/PEFT keys"});
    files.push_back({comfy, "LoRA, ComfyUI keys"});
  } else {
    const std::string path = (fs::path(directory) / "model_weights.safetensors").string();
    safetensors::save(path, module_state(model_->denoiser()), {{"format", "pt"}, {"finetrain.model", model_name_}});
    files.push_back({path, "denoiser weights, diffusers keys"});
  }
  return files;
}

}  // namespace finetrain::sft
