// A line-by-line transcription of diffusers' AutoencoderKLLTXVideo tiling loops (commit 58eb52c0, blend_v/h/t
// with their per-row in-place updates, tiled_encode, tiled_decode, _temporal_tiled_encode and
// _temporal_tiled_decode). The tests run the vectorised implementation in plugins/models/ltx_video/vae/ against
// it on the same network, so any difference in tile placement, blend weights, aliasing or cropping shows.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace ltx_vae_reference {

using Coder = std::function<at::Tensor(const at::Tensor&)>;

// blend_v (dim 3), blend_h (dim 4), blend_t (dim 2): writes into b row by row, like the Python loop.
inline at::Tensor blend(const at::Tensor& a, at::Tensor b, int64_t blend_extent, int64_t dim) {
  blend_extent = std::min({a.size(dim), b.size(dim), blend_extent});
  for (int64_t y = 0; y < blend_extent; ++y) {
    const double t = static_cast<double>(y) / static_cast<double>(blend_extent);
    b.select(dim, y).copy_(a.select(dim, a.size(dim) - blend_extent + y) * (1 - t) + b.select(dim, y) * t);
  }
  return b;
}

struct Tiles {
  int64_t min_height, min_width, min_frames;
  int64_t stride_height, stride_width, stride_frames;
};

// tiled_encode (pixels -> latents) and tiled_decode (latents -> pixels) share this loop; `in_*` are the tile
// and stride in the input's units, `out_*` the stride kept and the blend extent in the output's units.
inline at::Tensor tiled(const at::Tensor& x, const Coder& code, int64_t in_min_h, int64_t in_min_w, int64_t in_stride_h,
                        int64_t in_stride_w, int64_t out_stride_h, int64_t out_stride_w, int64_t blend_height,
                        int64_t blend_width, int64_t out_height, int64_t out_width) {
  std::vector<std::vector<at::Tensor>> rows;
  for (int64_t i = 0; i < x.size(3); i += in_stride_h) {
    std::vector<at::Tensor> row;
    for (int64_t j = 0; j < x.size(4); j += in_stride_w)
      row.push_back(code(x.slice(3, i, i + in_min_h).slice(4, j, j + in_min_w)));
    rows.push_back(row);
  }
  std::vector<at::Tensor> result_rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<at::Tensor> result_row;
    for (size_t j = 0; j < rows[i].size(); ++j) {
      at::Tensor tile = rows[i][j];
      if (i > 0) tile = blend(rows[i - 1][j], tile, blend_height, 3);
      if (j > 0) tile = blend(rows[i][j - 1], tile, blend_width, 4);
      result_row.push_back(tile.slice(3, 0, out_stride_h).slice(4, 0, out_stride_w));
    }
    result_rows.push_back(at::cat(result_row, 4));
  }
  return at::cat(result_rows, 3).slice(3, 0, out_height).slice(4, 0, out_width);
}

inline at::Tensor tiled_encode(const at::Tensor& x, const Coder& encoder, const Tiles& t, int64_t ratio) {
  const int64_t latent_min_h = t.min_height / ratio, latent_min_w = t.min_width / ratio;
  const int64_t latent_stride_h = t.stride_height / ratio, latent_stride_w = t.stride_width / ratio;
  return tiled(x, encoder, t.min_height, t.min_width, t.stride_height, t.stride_width, latent_stride_h, latent_stride_w,
               latent_min_h - latent_stride_h, latent_min_w - latent_stride_w, x.size(3) / ratio, x.size(4) / ratio);
}

inline at::Tensor tiled_decode(const at::Tensor& z, const Coder& decoder, const Tiles& t, int64_t ratio) {
  return tiled(z, decoder, t.min_height / ratio, t.min_width / ratio, t.stride_height / ratio, t.stride_width / ratio,
               t.stride_height, t.stride_width, t.min_height - t.stride_height, t.min_width - t.stride_width,
               z.size(3) * ratio, z.size(4) * ratio);
}

inline at::Tensor temporal_tiled_encode(const at::Tensor& x, const Coder& encoder, const Tiles& t, int64_t ratio) {
  const int64_t num_frames = x.size(2);
  const int64_t latent_num_frames = (num_frames - 1) / ratio + 1;
  const int64_t tile_latent_min_num_frames = t.min_frames / ratio;
  const int64_t tile_latent_stride_num_frames = t.stride_frames / ratio;
  const int64_t blend_num_frames = tile_latent_min_num_frames - tile_latent_stride_num_frames;
  std::vector<at::Tensor> row;
  for (int64_t i = 0; i < num_frames; i += t.stride_frames) {
    at::Tensor tile = encoder(x.slice(2, i, i + t.min_frames + 1));
    if (i > 0) tile = tile.slice(2, 1);
    row.push_back(tile);
  }
  std::vector<at::Tensor> result_row;
  for (size_t i = 0; i < row.size(); ++i) {
    at::Tensor tile = row[i];
    if (i > 0) {
      tile = blend(row[i - 1], tile, blend_num_frames, 2);
      result_row.push_back(tile.slice(2, 0, tile_latent_stride_num_frames));
    } else {
      result_row.push_back(tile.slice(2, 0, tile_latent_stride_num_frames + 1));
    }
  }
  return at::cat(result_row, 2).slice(2, 0, latent_num_frames);
}

inline at::Tensor temporal_tiled_decode(const at::Tensor& z, const Coder& decoder, const Tiles& t, int64_t ratio) {
  const int64_t num_frames = z.size(2);
  const int64_t num_sample_frames = (num_frames - 1) * ratio + 1;
  const int64_t tile_latent_min_num_frames = t.min_frames / ratio;
  const int64_t tile_latent_stride_num_frames = t.stride_frames / ratio;
  const int64_t blend_num_frames = t.min_frames - t.stride_frames;
  std::vector<at::Tensor> row;
  for (int64_t i = 0; i < num_frames; i += tile_latent_stride_num_frames) {
    at::Tensor decoded = decoder(z.slice(2, i, i + tile_latent_min_num_frames + 1));
    if (i > 0) decoded = decoded.slice(2, 0, decoded.size(2) - 1);
    row.push_back(decoded);
  }
  std::vector<at::Tensor> result_row;
  for (size_t i = 0; i < row.size(); ++i) {
    at::Tensor tile = row[i];
    if (i > 0) {
      tile = blend(row[i - 1], tile, blend_num_frames, 2);
      result_row.push_back(tile.slice(2, 0, t.stride_frames));
    } else {
      result_row.push_back(tile.slice(2, 0, t.stride_frames + 1));
    }
  }
  return at::cat(result_row, 2).slice(2, 0, num_sample_frames);
}

}  // namespace ltx_vae_reference
