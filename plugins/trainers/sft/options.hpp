// Configuration of the sft trainer: what trains and how the loss is formed.
#pragma once

#include <string>

#include "finetrain/config_schema.hpp"
#include "finetrain/flow_matching.hpp"
#include "finetrain/nn/linear.hpp"
#include "finetrain/options.hpp"

namespace finetrain::sft {

struct SftOptions {
  std::string mode = "lora";          // sft.mode: "lora" trains adapters, "full" every denoiser weight
  LoraSettings lora;                  // lora.rank / alpha / dropout / init
  std::string lora_targets;           // lora.targets: module regex; empty = the model's default targets
  SigmaSampling sampling;             // flow_matching.sampling / logit_mean / logit_std / mode_scale
  FlowShift shift;                    // flow_matching.shift (static) or flow_matching.resolution_shift
  LossWeighting weighting = LossWeighting::None;  // flow_matching.weighting
  double first_frame_conditioning_p = 0.0;  // sft.first_frame_conditioning_p
};

ConfigSchema sft_options_schema();
SftOptions sft_options_from(const Options& options);

}  // namespace finetrain::sft
