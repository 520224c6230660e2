#include "latent_packing.hpp"

#include <ATen/TensorOperators.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video {

TokenGrid token_grid(const at::Tensor& latents, int64_t p, int64_t pt) {
  if (latents.dim() != 5) throw Error(fmt::format("latents must be [B, C, F, H, W], got {} dims", latents.dim()));
  if (latents.size(2) % pt || latents.size(3) % p || latents.size(4) % p)
    throw Error(fmt::format("latent size {}x{}x{} is not divisible by the patch size {}x{}x{}", latents.size(2),
                            latents.size(3), latents.size(4), pt, p, p));
  return {latents.size(2) / pt, latents.size(3) / p, latents.size(4) / p};
}

at::Tensor pack_latents(const at::Tensor& latents, int64_t p, int64_t pt) {
  const TokenGrid g = token_grid(latents, p, pt);
  const int64_t B = latents.size(0);
  return latents.reshape({B, -1, g.frames, pt, g.height, p, g.width, p})
      .permute({0, 2, 4, 6, 1, 3, 5, 7})
      .flatten(4, 7)
      .flatten(1, 3);
}

at::Tensor unpack_latents(const at::Tensor& tokens, int64_t frames, int64_t height, int64_t width, int64_t p,
                          int64_t pt) {
  const int64_t B = tokens.size(0);
  return tokens.reshape({B, frames / pt, height / p, width / p, -1, pt, p, p})
      .permute({0, 4, 1, 5, 2, 6, 3, 7})
      .flatten(6, 7)
      .flatten(4, 5)
      .flatten(2, 3);
}

at::Tensor sigmas_to_timesteps(const at::Tensor& sigmas, const TokenGrid& grid, int64_t pt) {
  if (sigmas.dim() == 1) return sigmas * 1000.0;
  if (sigmas.dim() != 2 || sigmas.size(1) != grid.frames * pt)
    throw Error(fmt::format("sigmas must be [B] or [B, {}] (one per latent frame), got {} dims", grid.frames * pt,
                            sigmas.dim()));
  // One sigma per latent frame: a patch of pt frames takes its first frame's sigma.
  at::Tensor per_patch_frame = sigmas.slice(1, 0, sigmas.size(1), pt);
  return per_patch_frame.unsqueeze(2).expand({sigmas.size(0), grid.frames, grid.height * grid.width}).flatten(1) * 1000.0;
}

}  // namespace finetrain::ltx_video
