#include <ATen/ops/cat.h>

#include <vector>

#include "vae/tiling.hpp"

namespace finetrain::ltx_video::vae {
namespace {

constexpr int64_t kRows = 3;  // dims of [B, C, F, H, W]
constexpr int64_t kCols = 4;

struct Grid {
  int64_t tile_rows, tile_cols;              // input extent of a tile
  int64_t stride_rows, stride_cols;          // input step between tiles
  int64_t out_stride_rows, out_stride_cols;  // output kept per tile
  int64_t blend_rows, blend_cols;            // output overlap cross-faded
  int64_t out_rows, out_cols;                // output size
};

// diffusers' two passes: code every tile, then blend each with its (already blended) upper and left
// neighbours, keep its top-left stride block, and stitch.
at::Tensor tile_and_blend(const at::Tensor& input, const TileCoder& code, const Grid& g) {
  std::vector<std::vector<at::Tensor>> rows;
  for (int64_t i = 0; i < input.size(kRows); i += g.stride_rows) {
    std::vector<at::Tensor> row;
    for (int64_t j = 0; j < input.size(kCols); j += g.stride_cols)
      row.push_back(code(input.slice(kRows, i, i + g.tile_rows).slice(kCols, j, j + g.tile_cols)));
    rows.push_back(std::move(row));
  }
  std::vector<at::Tensor> stitched_rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<at::Tensor> pieces;
    for (size_t j = 0; j < rows[i].size(); ++j) {
      at::Tensor tile = rows[i][j];
      if (i > 0) tile = blend_tiles(rows[i - 1][j], tile, g.blend_rows, kRows);
      if (j > 0) tile = blend_tiles(rows[i][j - 1], tile, g.blend_cols, kCols);
      rows[i][j] = tile;  // diffusers blends in place: later neighbours see the blended tile
      pieces.push_back(tile.slice(kRows, 0, g.out_stride_rows).slice(kCols, 0, g.out_stride_cols));
    }
    stitched_rows.push_back(at::cat(pieces, kCols));
  }
  return at::cat(stitched_rows, kRows).slice(kRows, 0, g.out_rows).slice(kCols, 0, g.out_cols);
}

}  // namespace

at::Tensor tiled_encode(const at::Tensor& pixels, const TileCoder& encode, const TileSettings& tiles,
                        int64_t spatial_ratio) {
  Grid g;
  g.tile_rows = tiles.sample_min_height;
  g.tile_cols = tiles.sample_min_width;
  g.stride_rows = tiles.sample_stride_height;
  g.stride_cols = tiles.sample_stride_width;
  g.out_stride_rows = tiles.sample_stride_height / spatial_ratio;
  g.out_stride_cols = tiles.sample_stride_width / spatial_ratio;
  g.blend_rows = tiles.sample_min_height / spatial_ratio - g.out_stride_rows;
  g.blend_cols = tiles.sample_min_width / spatial_ratio - g.out_stride_cols;
  g.out_rows = pixels.size(kRows) / spatial_ratio;
  g.out_cols = pixels.size(kCols) / spatial_ratio;
  return tile_and_blend(pixels, encode, g);
}

at::Tensor tiled_decode(const at::Tensor& latents, const TileCoder& decode, const TileSettings& tiles,
                        int64_t spatial_ratio) {
  Grid g;
  g.tile_rows = tiles.sample_min_height / spatial_ratio;
  g.tile_cols = tiles.sample_min_width / spatial_ratio;
  g.stride_rows = tiles.sample_stride_height / spatial_ratio;
  g.stride_cols = tiles.sample_stride_width / spatial_ratio;
  g.out_stride_rows = tiles.sample_stride_height;
  g.out_stride_cols = tiles.sample_stride_width;
  g.blend_rows = tiles.sample_min_height - tiles.sample_stride_height;
  g.blend_cols = tiles.sample_min_width - tiles.sample_stride_width;
  g.out_rows = latents.size(kRows) * spatial_ratio;
  g.out_cols = latents.size(kCols) * spatial_ratio;
  return tile_and_blend(latents, decode, g);
}

}  // namespace finetrain::ltx_video::vae
