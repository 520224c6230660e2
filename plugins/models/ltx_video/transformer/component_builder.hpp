// Builds LTXVideoTransformer3DModel from a diffusers config.json for `finetrain check-parity` and
// the parity tests. The fixture call's literal arguments num_frames, height, width and
// rope_interpolation_scale are read from the call text; inputs hidden_states,
// encoder_hidden_states, timestep and (optionally) encoder_attention_mask; output "sample".
#pragma once

#include "finetrain/model_spec.hpp"

namespace finetrain::ltx_video {

ComponentBuilder ltx_transformer_component_builder();

}  // namespace finetrain::ltx_video
