#include <ATen/ops/cat.h>

#include <vector>

#include "vae/tiling.hpp"

namespace finetrain::ltx_video::vae {
namespace {

constexpr int64_t kFrames = 2;  // dim of [B, C, F, H, W]

// Blends each chunk with its (already blended) predecessor and keeps `keep` frames of it (`keep + 1` of the
// first chunk, which carries the extra leading frame), as diffusers' temporal tiling loops do.
at::Tensor blend_chunks(std::vector<at::Tensor>& chunks, int64_t overlap, int64_t keep, int64_t out_frames) {
  std::vector<at::Tensor> pieces;
  for (size_t k = 0; k < chunks.size(); ++k) {
    if (k == 0) {
      pieces.push_back(chunks[0].slice(kFrames, 0, keep + 1));
      continue;
    }
    chunks[k] = blend_tiles(chunks[k - 1], chunks[k], overlap, kFrames);
    pieces.push_back(chunks[k].slice(kFrames, 0, keep));
  }
  return at::cat(pieces, kFrames).slice(kFrames, 0, out_frames);
}

}  // namespace

at::Tensor temporal_tiled_encode(const at::Tensor& pixels, const TileCoder& encode_chunk, const TileSettings& tiles,
                                 int64_t temporal_ratio) {
  const int64_t frames = pixels.size(kFrames);
  const int64_t latent_frames = (frames - 1) / temporal_ratio + 1;
  const int64_t latent_min = tiles.sample_min_num_frames / temporal_ratio;
  const int64_t latent_stride = tiles.sample_stride_num_frames / temporal_ratio;

  std::vector<at::Tensor> chunks;
  for (int64_t i = 0; i < frames; i += tiles.sample_stride_num_frames) {
    at::Tensor chunk = encode_chunk(pixels.slice(kFrames, i, i + tiles.sample_min_num_frames + 1));
    // A later chunk's first latent saw its first frame alone (causal encoder); the previous chunk covers it.
    if (i > 0) chunk = chunk.slice(kFrames, 1);
    chunks.push_back(chunk);
  }
  return blend_chunks(chunks, latent_min - latent_stride, latent_stride, latent_frames);
}

at::Tensor temporal_tiled_decode(const at::Tensor& latents, const TileCoder& decode_chunk, const TileSettings& tiles,
                                 int64_t temporal_ratio) {
  const int64_t frames = latents.size(kFrames);
  const int64_t sample_frames = (frames - 1) * temporal_ratio + 1;
  const int64_t latent_min = tiles.sample_min_num_frames / temporal_ratio;
  const int64_t latent_stride = tiles.sample_stride_num_frames / temporal_ratio;

  std::vector<at::Tensor> chunks;
  for (int64_t i = 0; i < frames; i += latent_stride) {
    at::Tensor chunk = decode_chunk(latents.slice(kFrames, i, i + latent_min + 1));
    if (i > 0) chunk = chunk.slice(kFrames, 0, chunk.size(kFrames) - 1);  // diffusers: decoded[:, :, :-1]
    chunks.push_back(chunk);
  }
  return blend_chunks(chunks, tiles.sample_min_num_frames - tiles.sample_stride_num_frames,
                      tiles.sample_stride_num_frames, sample_frames);
}

}  // namespace finetrain::ltx_video::vae
