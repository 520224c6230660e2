// Named AutoencoderKLLTXVideo configurations: the released LTX-Video VAEs and a tiny one for tests.
#pragma once

#include <string>
#include <vector>

#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {

// "0.9.0", "0.9.1", "0.9.5" (also the VAE of 0.9.6 / 0.9.7 / 0.9.8), "tiny". The tiny VAE has
// ltx_video::kTinyLatentChannels latent channels (transformer/presets.hpp), so it feeds the tiny transformer, and
// keeps the real compression (32x spatial, 8x temporal) so shapes in tests follow the real model.
std::vector<std::string> ltx_vae_preset_names();
// Throws finetrain::Error naming the known presets when `name` is not one of them.
LtxVaeConfig ltx_vae_preset(const std::string& name);

}  // namespace finetrain::ltx_video::vae
