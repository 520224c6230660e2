// The LTX pipelines' token layout: latents [B, C, F, H, W] <-> tokens [B, F'H'W', C pt p p] with
// (f, h, w) row-major token order (diffusers' LTXPipeline._pack_latents / _unpack_latents).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "transformer/rope.hpp"

namespace finetrain::ltx_video {

at::Tensor pack_latents(const at::Tensor& latents, int64_t patch_size, int64_t patch_size_t);
at::Tensor unpack_latents(const at::Tensor& tokens, int64_t frames, int64_t height, int64_t width, int64_t patch_size,
                          int64_t patch_size_t);

// The token grid of latents [B, C, F, H, W] after patching.
TokenGrid token_grid(const at::Tensor& latents, int64_t patch_size, int64_t patch_size_t);

// Flow-matching sigmas -> the transformer's timesteps (sigma * 1000): [B] stays per sample, [B, F]
// (per latent frame) becomes per token [B, F' H' W'].
at::Tensor sigmas_to_timesteps(const at::Tensor& sigmas, const TokenGrid& grid, int64_t patch_size_t);

}  // namespace finetrain::ltx_video
