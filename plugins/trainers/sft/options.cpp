#include "options.hpp"

namespace finetrain::sft {

ConfigSchema sft_options_schema() {
  ConfigSchema s;
  s.add_string("sft.mode", "lora", "What trains: LoRA adapters, or every weight of the denoiser").one_of({"lora", "full"});
  s.add_float("sft.first_frame_conditioning_p", 0.0,
              "Probability that a sample's first latent frame is given clean as conditioning (image-to-video "
              "training; models with per-frame timesteps only)")
      .range(0, 1);
  s.add_int("lora.rank", 16, "LoRA rank").range(1, std::nullopt);
  s.add_float("lora.alpha", 16.0, "LoRA alpha: the update is scaled by alpha / rank").range(0, std::nullopt);
  s.add_float("lora.dropout", 0.0, "Dropout on the LoRA input").range(0, 1);
  s.add_string("lora.targets", "", "Regex over module names to adapt; empty = the model's default targets");
  s.add_string("lora.init", "kaiming", "Initialisation of lora_A (lora_B starts at 0)").one_of({"kaiming", "gaussian"});
  s.add_string("flow_matching.sampling", "logit_normal", "Distribution of the training sigmas")
      .one_of({"uniform", "logit_normal", "mode"});
  s.add_float("flow_matching.logit_mean", 0.0, "logit_normal: mean of the normal before the sigmoid");
  s.add_float("flow_matching.logit_std", 1.0, "logit_normal: standard deviation").range(0, std::nullopt);
  s.add_float("flow_matching.mode_scale", 1.29, "mode: scale of the mode-seeking term");
  s.add_float("flow_matching.shift", 1.0, "Static shift of the sampled sigmas (1 = none)").range(0, std::nullopt);
  s.add_bool("flow_matching.resolution_shift", false,
             "Shift by the latent sequence length instead (diffusers' calculate_shift; overrides shift)");
  s.add_string("flow_matching.weighting", "none", "Loss weighting over sigma").one_of({"none", "sigma_sqrt", "cosmap"});
  return s;
}

SftOptions sft_options_from(const Options& o) {
  SftOptions s;
  s.mode = o.get_string("sft.mode");
  s.first_frame_conditioning_p = o.get_float("sft.first_frame_conditioning_p");
  s.lora.rank = o.get_int("lora.rank");
  s.lora.alpha = o.get_float("lora.alpha");
  s.lora.dropout = o.get_float("lora.dropout");
  s.lora.init = o.get_string("lora.init");
  s.lora_targets = o.get_string("lora.targets");
  s.sampling.scheme = sigma_sampling_scheme_from_string(o.get_string("flow_matching.sampling"));
  s.sampling.logit_mean = o.get_float("flow_matching.logit_mean");
  s.sampling.logit_std = o.get_float("flow_matching.logit_std");
  s.sampling.mode_scale = o.get_float("flow_matching.mode_scale");
  if (o.get_bool("flow_matching.resolution_shift")) {
    s.shift.kind = FlowShift::Kind::ResolutionDependent;
  } else if (o.get_float("flow_matching.shift") != 1.0) {
    s.shift.kind = FlowShift::Kind::Static;
    s.shift.shift = o.get_float("flow_matching.shift");
  }
  s.weighting = loss_weighting_from_string(o.get_string("flow_matching.weighting"));
  return s;
}

}  // namespace finetrain::sft
