#include "transformer/rope.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/meshgrid.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>

#include <cmath>

namespace finetrain::ltx_video {
namespace {

constexpr double kBaseNumFrames = 20.0;
constexpr double kBaseHeight = 2048.0;
constexpr double kBaseWidth = 2048.0;
constexpr double kTheta = 10000.0;

// One axis of the grid: index * scale * patch / base, in diffusers' operation order.
at::Tensor axis_coordinates(int64_t size, std::optional<double> scale, int64_t patch, double base,
                            const at::TensorOptions& options) {
  at::Tensor coords = at::arange(size, options);
  if (scale) coords = coords * *scale * patch / base;
  return coords;
}

}  // namespace

LtxVideoRotaryPosEmbed::LtxVideoRotaryPosEmbed(int64_t dim, int64_t patch_size, int64_t patch_size_t)
    : dim_(dim), patch_size_(patch_size), patch_size_t_(patch_size_t) {}

RotaryEmbedding LtxVideoRotaryPosEmbed::operator()(int64_t batch, const TokenGrid& grid,
                                                   const std::optional<std::array<double, 3>>& scale,
                                                   c10::Device device) const {
  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  auto axis_scale = [&scale](size_t i) { return scale ? std::optional<double>((*scale)[i]) : std::nullopt; };
  const at::Tensor f = axis_coordinates(grid.frames, axis_scale(0), patch_size_t_, kBaseNumFrames, options);
  const at::Tensor h = axis_coordinates(grid.height, axis_scale(1), patch_size_, kBaseHeight, options);
  const at::Tensor w = axis_coordinates(grid.width, axis_scale(2), patch_size_, kBaseWidth, options);
  // [L, 3]: (f, h, w) of every token, row-major over (f, h, w).
  const std::vector<at::Tensor> mesh = at::meshgrid({f, h, w}, "ij");
  const at::Tensor coords = at::stack({mesh[0].flatten(), mesh[1].flatten(), mesh[2].flatten()}, -1);

  // theta ** linspace(log_theta(1), log_theta(theta), dim // 6) * pi / 2
  const int64_t num_freqs = dim_ / 6;
  at::Tensor freqs = at::pow(kTheta, at::linspace(std::log(1.0) / std::log(kTheta), 1.0, num_freqs, options));
  freqs = freqs * M_PI / 2.0;
  // [L, 3, n] -> [L, n, 3] -> [L, 3n]: frequency-major, the three axes interleaved.
  freqs = (freqs * (coords.unsqueeze(-1) * 2 - 1)).transpose(-1, -2).flatten(1);

  at::Tensor cos = at::cos(freqs).repeat_interleave(2, -1);
  at::Tensor sin = at::sin(freqs).repeat_interleave(2, -1);
  const int64_t pad = dim_ % 6;
  if (pad != 0) {
    // The channels left over by dim // 6 lead the table and are not rotated.
    cos = at::cat({at::ones({cos.size(0), pad}, options), cos}, -1);
    sin = at::cat({at::zeros({sin.size(0), pad}, options), sin}, -1);
  }
  return {cos.unsqueeze(0).expand({batch, -1, -1}), sin.unsqueeze(0).expand({batch, -1, -1})};
}

at::Tensor apply_rotary_emb(const at::Tensor& x, const RotaryEmbedding& rope) {
  const at::Tensor pairs = x.reshape({x.size(0), x.size(1), -1, 2});
  const at::Tensor real = pairs.select(-1, 0);
  const at::Tensor imag = pairs.select(-1, 1);
  const at::Tensor rotated = at::stack({-imag, real}, -1).flatten(2);
  return (x.to(at::kFloat) * rope.cos + rotated.to(at::kFloat) * rope.sin).to(x.scalar_type());
}

}  // namespace finetrain::ltx_video
