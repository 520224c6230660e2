// Tiled encoding and decoding for large or long videos, as diffusers' AutoencoderKLLTXVideo does it (tiled_encode,
// tiled_decode, _temporal_tiled_encode, _temporal_tiled_decode, blend_v/h/t): overlapping tiles are coded
// separately and each tile's first `overlap` rows / columns / frames are cross-faded linearly with the end of the
// previous (already blended) tile, then every tile is cropped to the stride and the pieces are concatenated.
// The coders are passed in, so these functions know nothing about the network.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>

namespace finetrain::ltx_video::vae {

// Tile sizes in pixels / pixel frames (diffusers' enable_tiling() arguments and defaults).
struct TileSettings {
  int64_t sample_min_height = 512;
  int64_t sample_min_width = 512;
  int64_t sample_min_num_frames = 16;
  int64_t sample_stride_height = 448;
  int64_t sample_stride_width = 448;
  int64_t sample_stride_num_frames = 8;

  // Throws finetrain::Error unless every stride is at least one latent step and no larger than its tile (a larger
  // stride would leave gaps that diffusers fills with nothing).
  void validate(int64_t spatial_ratio, int64_t temporal_ratio) const;
};

using TileCoder = std::function<at::Tensor(const at::Tensor&)>;

// diffusers' blend_v / blend_h / blend_t along `dim`: with e = min(previous.size(dim), next.size(dim), overlap),
// next[..., y, ...] = previous[..., size - e + y, ...] * (1 - y / e) + next[..., y, ...] * (y / e) for y < e.
// Returns the blended copy of `next`; the weights are rounded like diffusers' Python floats.
at::Tensor blend_tiles(const at::Tensor& previous, const at::Tensor& next, int64_t overlap, int64_t dim);

// pixels [B, C, F, H, W] -> encoder output of the whole frame, coding tiles of sample_min_height x width.
at::Tensor tiled_encode(const at::Tensor& pixels, const TileCoder& encode, const TileSettings& tiles,
                        int64_t spatial_ratio);
// latents [B, C, F, h, w] -> decoded pixels, coding latent tiles of sample_min_height / spatial_ratio.
at::Tensor tiled_decode(const at::Tensor& latents, const TileCoder& decode, const TileSettings& tiles,
                        int64_t spatial_ratio);
// Chunks of sample_min_num_frames + 1 frames every sample_stride_num_frames frames; `encode_chunk` may tile
// spatially itself.
at::Tensor temporal_tiled_encode(const at::Tensor& pixels, const TileCoder& encode_chunk, const TileSettings& tiles,
                                 int64_t temporal_ratio);
// Chunks of sample_min_num_frames / temporal_ratio + 1 latent frames. Reproduces diffusers exactly, including its
// first seam: the first chunk keeps all its frames when blended, so its last `overlap` frames are cross-faded with
// frames one step earlier in the next chunk.
at::Tensor temporal_tiled_decode(const at::Tensor& latents, const TileCoder& decode_chunk, const TileSettings& tiles,
                                 int64_t temporal_ratio);

}  // namespace finetrain::ltx_video::vae
