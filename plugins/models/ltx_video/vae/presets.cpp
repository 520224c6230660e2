#include "vae/presets.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "finetrain/error.hpp"
#include "transformer/presets.hpp"

namespace finetrain::ltx_video::vae {
namespace {

// Values of the released VAEs come from diffusers' scripts/convert_ltx_to_diffusers.py, get_vae_config()
// (diffusers commit 58eb52c0803ea9af3abec60841c2a093bdf1f951), the script that produced the diffusers-format
// `vae/config.json` files of the Lightricks/LTX-Video repositories.

// get_vae_config("0.9.0"): identical to AutoencoderKLLTXVideo's defaults.
LtxVaeConfig ltx_0_9_0() { return LtxVaeConfig{}; }

// get_vae_config("0.9.1"): wider decoder, residual depth-to-space upsamplers, timestep conditioning and noise
// injection in the up blocks.
LtxVaeConfig ltx_0_9_1() {
  LtxVaeConfig c;
  c.decoder_block_out_channels = {256, 512, 1024};
  c.decoder_layers_per_block = {5, 6, 7, 8};
  c.decoder_spatio_temporal_scaling = {true, true, true};
  c.decoder_inject_noise = {true, true, true, false};
  c.upsample_residual = {true, true, true};
  c.upsample_factor = {2, 2, 2};
  c.timestep_conditioning = true;
  return c;
}

// get_vae_config("0.9.5") (the "0.9.7" entry is identical): 0.9.5-style encoder with space-to-depth downsamplers,
// explicit compression ratios since spatio_temporal_scaling counts the temporal-only block too.
LtxVaeConfig ltx_0_9_5() {
  LtxVaeConfig c;
  c.block_out_channels = {128, 256, 512, 1024, 2048};
  c.down_block_types = {kDownBlock095, kDownBlock095, kDownBlock095, kDownBlock095};
  c.decoder_block_out_channels = {256, 512, 1024};
  c.layers_per_block = {4, 6, 6, 2, 2};
  c.decoder_layers_per_block = {5, 5, 5, 5};
  c.spatio_temporal_scaling = {true, true, true, true};
  c.decoder_spatio_temporal_scaling = {true, true, true};
  c.decoder_inject_noise = {false, false, false, false};
  c.downsample_type = {"spatial", "temporal", "spatiotemporal", "spatiotemporal"};
  c.upsample_residual = {true, true, true};
  c.upsample_factor = {2, 2, 2};
  c.timestep_conditioning = true;
  c.spatial_compression_ratio = 32;
  c.temporal_compression_ratio = 8;
  return c;
}

// The 0.9.5 architecture at toy widths (~0.57M parameters): same block types, downsample types, residual
// upsamplers, timestep conditioning and compression (32x spatial, 8x temporal), one layer per block.
LtxVaeConfig tiny() {
  LtxVaeConfig c = ltx_0_9_5();
  c.latent_channels = ltx_video::kTinyLatentChannels;  // the tiny transformer's in/out width
  c.block_out_channels = {8, 16, 32, 32, 32};
  c.decoder_block_out_channels = {8, 16, 32};
  c.layers_per_block = {1, 1, 1, 1, 1};
  c.decoder_layers_per_block = {1, 1, 1, 1};
  return c;
}

}  // namespace

std::vector<std::string> ltx_vae_preset_names() { return {"0.9.0", "0.9.1", "0.9.5", "tiny"}; }

LtxVaeConfig ltx_vae_preset(const std::string& name) {
  if (name == "0.9.0") return ltx_0_9_0();
  if (name == "0.9.1") return ltx_0_9_1();
  if (name == "0.9.5") return ltx_0_9_5();
  if (name == "tiny") return tiny();
  throw Error(
      fmt::format("unknown LTX-Video VAE preset '{}' (known: {})", name, fmt::join(ltx_vae_preset_names(), ", ")));
}

}  // namespace finetrain::ltx_video::vae
