// The finetrain::ComponentBuilder for diffusers' "AutoencoderKLLTXVideo", used by `finetrain check-parity` and
// the parity tests. Its run() performs the fixture call
//   posterior = model.encode(in.sample).latent_dist
//   out.latent_mean = posterior.mean; out.latent_logvar = posterior.logvar
//   out.decoded = model.decode(in.z, temb=in.temb)
// with default execution settings (no slicing, no tiling); temb may be absent for 0.9.0-style decoders.
#pragma once

#include "finetrain/model_spec.hpp"

namespace finetrain::ltx_video::vae {

ComponentBuilder ltx_vae_component_builder();

}  // namespace finetrain::ltx_video::vae
