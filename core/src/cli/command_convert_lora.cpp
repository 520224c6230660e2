// `finetrain convert-lora --to comfy|diffusers IN OUT`: renames a LoRA file between diffusers/PEFT
// keys (`transformer.<diffusers module>`) and ComfyUI keys (`diffusion_model.<ComfyUI module>`).
// The module names come from the model plugin's state-dict adapter; the model is `--model`, or the
// `finetrain.model` our exports record in their metadata. Tensors are copied unchanged, so a
// round trip is bit-exact; a key that does not convert is an error, never dropped.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "finetrain/error.hpp"
#include "finetrain/lora.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::cli {
namespace {

constexpr const char* kModelMetadataKey = "finetrain.model";

struct ConvertLoraArgs {
  std::string to;
  std::string model;
  std::string input;
  std::string output;
};

LoraFormat parse_format(const std::string& name) {
  if (name == "diffusers") return LoraFormat::Diffusers;
  if (name == "comfy") return LoraFormat::Comfy;
  throw Error(fmt::format("--to: expected 'comfy' or 'diffusers', got '{}'", name));
}

std::string model_of(const ConvertLoraArgs& a, const safetensors::Metadata& metadata) {
  if (!a.model.empty()) return a.model;
  auto it = metadata.find(kModelMetadataKey);
  if (it == metadata.end() || it->second.empty())
    throw Error(
        fmt::format("{}: no '{}' in its metadata; name the model family with --model", a.input, kModelMetadataKey));
  return it->second;
}

void convert(CliState& state, const ConvertLoraArgs& a) {
  const LoraFormat to = parse_format(a.to);
  auto file = safetensors::File::open(a.input);
  safetensors::Metadata metadata = file->metadata();
  const std::string model = model_of(a, metadata);
  auto spec = state.plugin_host().create<ModelSpec>(model);
  TensorMap tensors = safetensors::load(a.input);
  TensorMap converted;
  try {
    converted = spec.call("state_dict_adapter",
                          [&](const ModelSpec& s) { return convert_lora(tensors, to, s.state_dict_adapter()); });
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}", a.input, e.what()));
  }
  metadata[kModelMetadataKey] = model;
  safetensors::save(a.output, converted, metadata);
  std::cout << fmt::format("{}: {} LoRA tensors ({}) -> {} ({})\n", a.input, converted.size(),
                           to_string(detect_lora_format(tensors)), a.output, to_string(to));
}

}  // namespace

void add_convert_lora_command(CLI::App& app, CliState& state) {
  auto args = std::make_shared<ConvertLoraArgs>();
  auto* cmd = app.add_subcommand("convert-lora", "Convert a LoRA file between diffusers and ComfyUI key names");
  cmd->add_option("--to", args->to, "Target format: comfy or diffusers")->required();
  cmd->add_option("--model", args->model, "Model plugin whose module names to use (default: from the file's metadata)");
  cmd->add_option("IN", args->input, "LoRA .safetensors to read")->required()->check(CLI::ExistingFile);
  cmd->add_option("OUT", args->output, "Where to write the converted file")->required();
  cmd->callback([&state, args] { convert(state, *args); });
}

}  // namespace finetrain::cli
