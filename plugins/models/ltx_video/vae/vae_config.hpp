// Configuration of diffusers' AutoencoderKLLTXVideo: every argument of its __init__ (diffusers commit
// 58eb52c0803ea9af3abec60841c2a093bdf1f951, src/diffusers/models/autoencoders/autoencoder_kl_ltx.py), with
// diffusers' defaults, read from a diffusers `vae/config.json`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace finetrain::ltx_video::vae {

// Down block classes of the encoder (diffusers class names).
inline constexpr const char* kDownBlock090 = "LTXVideoDownBlock3D";     // LTX-Video 0.9.0 / 0.9.1
inline constexpr const char* kDownBlock095 = "LTXVideo095DownBlock3D";  // LTX-Video 0.9.5+

struct LtxVaeConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t latent_channels = 128;
  std::vector<int64_t> block_out_channels{128, 256, 512, 512};
  std::vector<std::string> down_block_types{kDownBlock090, kDownBlock090, kDownBlock090, kDownBlock090};
  std::vector<int64_t> decoder_block_out_channels{128, 256, 512, 512};
  std::vector<int64_t> layers_per_block{4, 3, 3, 3, 4};
  std::vector<int64_t> decoder_layers_per_block{4, 3, 3, 3, 4};
  std::vector<bool> spatio_temporal_scaling{true, true, true, false};
  std::vector<bool> decoder_spatio_temporal_scaling{true, true, true, false};
  std::vector<bool> decoder_inject_noise{false, false, false, false, false};
  std::vector<std::string> downsample_type{"conv", "conv", "conv", "conv"};  // conv|spatial|temporal|spatiotemporal
  std::vector<bool> upsample_residual{false, false, false, false};
  std::vector<int64_t> upsample_factor{1, 1, 1, 1};
  bool timestep_conditioning = false;
  int64_t patch_size = 4;
  int64_t patch_size_t = 1;
  double resnet_norm_eps = 1e-6;
  double scaling_factor = 1.0;
  bool encoder_causal = true;
  bool decoder_causal = false;
  // null in the config: derived as diffusers does (see spatial_compression() / temporal_compression()).
  std::optional<int64_t> spatial_compression_ratio;
  std::optional<int64_t> temporal_compression_ratio;

  // The encoder is "0.9.5 style" when its last down block is LTXVideo095DownBlock3D; then the last entry of
  // block_out_channels is the mid block's width and there is one down block fewer than channel entries.
  bool encoder_is_095() const;
  int64_t num_down_blocks() const;
  int64_t num_up_blocks() const { return static_cast<int64_t>(decoder_block_out_channels.size()); }
  // patch_size * 2^(number of scaling blocks) unless the config states the ratio (diffusers' rule).
  int64_t spatial_compression() const;
  int64_t temporal_compression() const;

  // Checks list lengths, positive sizes, block and downsample types, and the channel arithmetic the blocks need.
  // Throws finetrain::Error("<label>: config key '<key>': expected ..., found ...").
  void validate(const std::string& label) const;
};

// Reads a diffusers config.json. Keys starting with '_' are metadata; any other key that
// AutoencoderKLLTXVideo.__init__ does not take is an error (a typo would otherwise silently change the
// architecture). Missing keys keep diffusers' defaults. The result is validated.
LtxVaeConfig parse_ltx_vae_config(const std::string& json_text, const std::string& label);

}  // namespace finetrain::ltx_video::vae
