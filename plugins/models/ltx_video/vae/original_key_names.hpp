// Key names of the VAE in the original LTX-Video checkpoints (Lightricks' single files keep it under "vae."),
// and their conversion to and from diffusers' names, as diffusers converts them:
// scripts/convert_ltx_to_diffusers.py (VAE_KEYS_RENAME_DICT, VAE_091_RENAME_DICT, VAE_095_RENAME_DICT,
// VAE_SPECIAL_KEYS_REMAP) and loaders/single_file_utils.py convert_ltx_vae_checkpoint_to_diffusers()
// (diffusers commit 58eb52c0803ea9af3abec60841c2a093bdf1f951).
//
// The original CausalVideoAutoencoder numbers its blocks in one flat list per side (resnet groups, resamplers
// and channel-changing resnets alike); diffusers groups them into down/up blocks with downsamplers, upsamplers,
// conv_in / conv_out and a mid block. How the flat indices map depends on the release, hence the layouts.
// Keys are given without the "vae." prefix.
#pragma once

#include <string>
#include <vector>

#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {

// The three key layouts of the released VAEs.
enum class OriginalVaeLayout {
  V0_9_0,  // 10 encoder blocks, 10 decoder blocks, no timestep conditioning
  V0_9_1,  // 10 encoder blocks, 7 decoder blocks, timestep-conditioned decoder
  V0_9_5,  // 9 encoder blocks (space-to-depth downsamplers), 7 decoder blocks: the VAE of 0.9.5 to 0.9.8
};

// "0.9.0", "0.9.1", "0.9.5".
const char* to_string(OriginalVaeLayout layout);

// The layout the original checkpoint of a model with this configuration has: 0.9.5 for a 0.9.5-style encoder,
// else 0.9.1 for a timestep-conditioned decoder, else 0.9.0 (the tiny preset is 0.9.5).
OriginalVaeLayout original_vae_layout(const LtxVaeConfig& config);

// The layout of an original checkpoint from its keys: the number of encoder and decoder blocks and the decoder's
// timestep embedder (diffusers tells 0.9.5 by the encoder's conv_out width, which only holds at full size).
// Throws finetrain::Error("<label>: ...") describing what was found when no layout fits.
OriginalVaeLayout detect_original_vae_layout(const std::vector<std::string>& keys, const std::string& label);

// Original -> diffusers name; "" for the keys the conversion drops (per_channel_statistics.channel,
// .mean-of-stds, .mean-of-stds_over_std-of-means). Keys of no known module pass through unchanged, as in
// diffusers, so a strict load reports them.
std::string vae_key_from_original(const std::string& key, OriginalVaeLayout layout);

// Diffusers -> original name: the inverse of vae_key_from_original() on every key of a model of that layout.
std::string vae_key_to_original(const std::string& key, OriginalVaeLayout layout);

}  // namespace finetrain::ltx_video::vae
