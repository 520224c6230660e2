// Named LTX-Video transformer configurations: the released checkpoints, and `tiny` for tests and
// the quickstart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transformer/config.hpp"

namespace finetrain::ltx_video {

// The `tiny` preset's latent and caption widths. The tiny VAE preset must produce
// kTinyLatentChannels latent channels and the tiny text encoder preset kTinyCaptionChannels
// features per token, so that the three tiny components plug together (read them from here).
inline constexpr int64_t kTinyLatentChannels = 32;
inline constexpr int64_t kTinyCaptionChannels = 32;

// "tiny"     : 2 layers, 4 heads x 16 = 64 wide, in/out 32, captions 32 (~190k parameters).
// "ltxv-2b"  : LTX-Video 2B, every 0.9.x release (0.9.0, 0.9.1, 0.9.5, 0.9.6, 0.9.8 2B).
// "ltxv-13b" : LTX-Video 13B, 0.9.7 and 0.9.8.
std::vector<std::string> ltx_transformer_preset_names();
// Throws finetrain::Error listing the known names when `name` is not one of them.
LtxTransformerConfig ltx_transformer_preset(const std::string& name);

}  // namespace finetrain::ltx_video
