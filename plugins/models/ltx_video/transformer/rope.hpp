// LTX-Video's 3-D rotary position embedding (diffusers LTXVideoRotaryPosEmbed and apply_rotary_emb,
// transformer_ltx.py @ 58eb52c0). Each token of the (frame, row, column) grid gets coordinates
// scaled by rope_interpolation_scale * patch size / base size; the cos/sin tables span the whole
// inner dimension (all heads together) and are always computed in float32.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <array>
#include <cstdint>
#include <optional>

namespace finetrain::ltx_video {

struct RotaryEmbedding {
  at::Tensor cos;  // [B, L, dim] float32
  at::Tensor sin;  // [B, L, dim] float32
};

// Latent token grid: L = frames * height * width tokens in (f, h, w) row-major order.
struct TokenGrid {
  int64_t frames = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t tokens() const { return frames * height * width; }
};

class LtxVideoRotaryPosEmbed {
 public:
  // diffusers builds it with base_num_frames 20, base_height 2048, base_width 2048, theta 10000.
  LtxVideoRotaryPosEmbed(int64_t dim, int64_t patch_size, int64_t patch_size_t);

  // Tables for `batch` copies of `grid`. Without rope_interpolation_scale the raw grid indices are
  // used (diffusers' None). The batch copies share storage (the grid is the same for every sample).
  RotaryEmbedding operator()(int64_t batch, const TokenGrid& grid,
                             const std::optional<std::array<double, 3>>& rope_interpolation_scale,
                             c10::Device device) const;

 private:
  int64_t dim_;
  int64_t patch_size_;
  int64_t patch_size_t_;
};

// Rotates consecutive channel pairs of x [B, L, dim]: x * cos + (-x_odd, x_even) * sin, computed in
// float32 and returned in x's dtype.
at::Tensor apply_rotary_emb(const at::Tensor& x, const RotaryEmbedding& rope);

}  // namespace finetrain::ltx_video
