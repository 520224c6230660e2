// Named configurations of the whole family: which transformer, VAE and text encoder go together.
#pragma once

#include <string>
#include <vector>

#include "finetrain/t5_encoder.hpp"
#include "transformer/config.hpp"
#include "vae/vae_config.hpp"

namespace finetrain::ltx_video {

struct FamilyPreset {
  std::string name;
  LtxTransformerConfig transformer;
  vae::LtxVaeConfig vae;
  T5EncoderConfig text_encoder;
  std::string scheduler_json;  // diffusers scheduler_config.json of the release
  bool random_init_is_useful;  // tiny: trains from random weights; real sizes need model.path
};

// "tiny", "ltxv-2b-0.9.0", "ltxv-2b-0.9.1", "ltxv-2b-0.9.5", "ltxv-2b-0.9.6", "ltxv-13b-0.9.7", "ltxv-13b-0.9.8".
std::vector<std::string> family_preset_names();
FamilyPreset family_preset(const std::string& name);

// The flow-matching scheduler every LTX-Video release ships (Lightricks/LTX-Video scheduler_config.json).
const std::string& ltx_scheduler_config_json();

}  // namespace finetrain::ltx_video
