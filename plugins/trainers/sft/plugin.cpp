// Declaration and registration only.
#include <finetrain/plugin.hpp>

#include "sft_trainer.hpp"

FT_DEFINE_MANIFEST(FT_PLUGIN_KIND_TRAINER, "sft", "0.1.0",
                   "Supervised fine-tuning: LoRA or full weights, flow-matching objective");

namespace {
void register_components(finetrain::PluginRegistrar& registrar) {
  registrar.add<finetrain::sft::SftTrainer>("sft", "0.1.0", "LoRA or full fine-tuning with the model's objective");
}
}  // namespace

FT_PLUGIN_ENTRY_POINTS(register_components)
