#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <fmt/format.h>

#include <algorithm>

#include "finetrain/error.hpp"
#include "vae/tiling.hpp"

namespace finetrain::ltx_video::vae {
namespace {

void check_tile(int64_t min, int64_t stride, int64_t ratio, const char* min_name, const char* stride_name) {
  if (stride <= 0 || stride > min || min % ratio != 0 || stride % ratio != 0)
    throw Error(
        fmt::format("VAE tiling: {} = {} and {} = {} must be positive multiples of the compression ratio {} "
                    "with the stride no larger than the tile",
                    min_name, min, stride_name, stride, ratio));
}

}  // namespace

void TileSettings::validate(int64_t spatial_ratio, int64_t temporal_ratio) const {
  check_tile(sample_min_height, sample_stride_height, spatial_ratio, "tile_sample_min_height",
             "tile_sample_stride_height");
  check_tile(sample_min_width, sample_stride_width, spatial_ratio, "tile_sample_min_width", "tile_sample_stride_width");
  check_tile(sample_min_num_frames, sample_stride_num_frames, temporal_ratio, "tile_sample_min_num_frames",
             "tile_sample_stride_num_frames");
}

at::Tensor blend_tiles(const at::Tensor& previous, const at::Tensor& next, int64_t overlap, int64_t dim) {
  const int64_t extent = std::min({previous.size(dim), next.size(dim), overlap});
  if (extent <= 0) return next;
  // diffusers multiplies by the Python floats y / e and 1 - y / e (doubles, rounded to the tensor's dtype by the
  // kernel); for half / bfloat16 the kernel multiplies in float and rounds the product.
  const c10::ScalarType dtype = next.scalar_type();
  const c10::ScalarType compute = dtype == at::kHalf || dtype == at::kBFloat16 ? at::kFloat : dtype;
  std::vector<int64_t> weight_shape(next.dim(), 1);
  weight_shape[dim] = extent;
  const at::Tensor ramp = at::arange(extent, next.options().dtype(at::kDouble)).div(static_cast<double>(extent));
  const at::Tensor next_weight = ramp.to(compute).view(weight_shape);
  const at::Tensor previous_weight = ramp.neg().add(1.0).to(compute).view(weight_shape);

  const at::Tensor tail = previous.narrow(dim, previous.size(dim) - extent, extent);
  const at::Tensor head = next.narrow(dim, 0, extent);
  const at::Tensor blended =
      tail.to(compute).mul(previous_weight).to(dtype).add(head.to(compute).mul(next_weight).to(dtype));
  return at::cat({blended, next.narrow(dim, extent, next.size(dim) - extent)}, dim);
}

}  // namespace finetrain::ltx_video::vae
