// Key names of the LTX-Video transformer outside diffusers.
//
// The original Lightricks checkpoints (and ComfyUI, which keeps their names under
// "diffusion_model.") differ from diffusers in four module names, per diffusers'
// scripts/convert_ltx_to_diffusers.py: patchify_proj = proj_in, adaln_single = time_embed,
// q_norm = norm_q, k_norm = norm_k. Everything else, the blocks' to_q/to_k/to_v/to_out.0 included,
// is named the same.
#pragma once

#include <string>

#include "finetrain/model_spec.hpp"

namespace finetrain::ltx_video {

class LtxStateDictAdapter final : public StateDictAdapter {
 public:
  std::string from_diffusers(const std::string& key, KeyFormat format) const override;
  std::string to_diffusers(const std::string& key, KeyFormat format) const override;
};

}  // namespace finetrain::ltx_video
