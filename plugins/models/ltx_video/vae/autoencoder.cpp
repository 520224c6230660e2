#include "vae/autoencoder.hpp"

#include <ATen/ops/cat.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video::vae {
namespace {

at::Tensor channel_view(const at::Tensor& per_channel, const at::Tensor& like) {
  return per_channel.view({1, -1, 1, 1, 1}).to(like.device(), like.scalar_type());
}

}  // namespace

AutoencoderKLLTXVideo::AutoencoderKLLTXVideo(const LtxVaeConfig& config, const at::TensorOptions& options)
    : torch::nn::Module("AutoencoderKLLTXVideo"), config_(config) {
  config_.validate("AutoencoderKLLTXVideo");
  encoder_ = register_module("encoder", std::make_shared<Encoder3d>(config_, options));
  decoder_ = register_module("decoder", std::make_shared<Decoder3d>(config_, options));
  latents_mean_ = register_buffer("latents_mean", at::zeros({config_.latent_channels}, options));
  latents_std_ = register_buffer("latents_std", at::ones({config_.latent_channels}, options));
}

at::Tensor AutoencoderKLLTXVideo::encode_moments(const at::Tensor& pixels) const {
  const TileSettings& tiles = execution_.tiles;
  const int64_t spatial = config_.spatial_compression();
  const int64_t temporal = config_.temporal_compression();
  if (execution_.spatial_tiling || execution_.temporal_tiling_encode) tiles.validate(spatial, temporal);
  const TileCoder encoder = [&](const at::Tensor& x) { return encoder_->forward(x); };
  const TileCoder encode_frames = [&](const at::Tensor& x) {
    const bool tile =
        execution_.spatial_tiling && (x.size(3) > tiles.sample_min_height || x.size(4) > tiles.sample_min_width);
    return tile ? tiled_encode(x, encoder, tiles, spatial) : encoder(x);
  };
  if (execution_.temporal_tiling_encode && pixels.size(2) > tiles.sample_min_num_frames)
    return temporal_tiled_encode(pixels, encode_frames, tiles, temporal);
  return encode_frames(pixels);
}

DiagonalGaussianDistribution AutoencoderKLLTXVideo::encode(const at::Tensor& pixels) const {
  if (pixels.dim() != 5)
    throw Error(
        fmt::format("AutoencoderKLLTXVideo::encode: expected pixels [B, C, F, H, W], found {} dims", pixels.dim()));
  if (!execution_.slicing || pixels.size(0) <= 1) return DiagonalGaussianDistribution(encode_moments(pixels));
  std::vector<at::Tensor> slices;
  for (const at::Tensor& one : pixels.split(1)) slices.push_back(encode_moments(one));
  return DiagonalGaussianDistribution(at::cat(slices));
}

at::Tensor AutoencoderKLLTXVideo::decode_batch(const at::Tensor& latents, const at::Tensor& temb,
                                               c10::optional<at::Generator> generator) const {
  const TileSettings& tiles = execution_.tiles;
  const int64_t spatial = config_.spatial_compression();
  const int64_t temporal = config_.temporal_compression();
  if (execution_.spatial_tiling || execution_.temporal_tiling_decode) tiles.validate(spatial, temporal);
  const TileCoder decoder = [&](const at::Tensor& z) { return decoder_->forward(z, temb, generator); };
  const TileCoder decode_frames = [&](const at::Tensor& z) {
    const bool tile = execution_.spatial_tiling &&
                      (z.size(3) > tiles.sample_min_height / spatial || z.size(4) > tiles.sample_min_width / spatial);
    return tile ? tiled_decode(z, decoder, tiles, spatial) : decoder(z);
  };
  if (execution_.temporal_tiling_decode && latents.size(2) > tiles.sample_min_num_frames / temporal)
    return temporal_tiled_decode(latents, decode_frames, tiles, temporal);
  return decode_frames(latents);
}

at::Tensor AutoencoderKLLTXVideo::decode(const at::Tensor& latents, const at::Tensor& temb,
                                         c10::optional<at::Generator> generator) const {
  if (latents.dim() != 5)
    throw Error(
        fmt::format("AutoencoderKLLTXVideo::decode: expected latents [B, C, F, H, W], found {} dims", latents.dim()));
  const int64_t batch = latents.size(0);
  if (temb.defined() && temb.numel() != batch)
    throw Error(fmt::format("AutoencoderKLLTXVideo::decode: temb has {} elements, expected one per batch element ({})",
                            temb.numel(), batch));
  if (!execution_.slicing || batch <= 1) return decode_batch(latents, temb, generator);
  // diffusers pairs the slices as `for z_slice, t_slice in (z.split(1), temb.split(1))`, which is not a zip;
  // here element b is decoded with temb[b], what the unsliced call computes.
  std::vector<at::Tensor> slices;
  const at::Tensor timesteps = temb.defined() ? temb.flatten() : temb;
  for (int64_t b = 0; b < batch; ++b)
    slices.push_back(
        decode_batch(latents.narrow(0, b, 1), temb.defined() ? timesteps.narrow(0, b, 1) : temb, generator));
  return at::cat(slices);
}

at::Tensor AutoencoderKLLTXVideo::normalize_latents(const at::Tensor& latents) const {
  return (latents - channel_view(latents_mean_, latents)) * config_.scaling_factor /
         channel_view(latents_std_, latents);
}

at::Tensor AutoencoderKLLTXVideo::denormalize_latents(const at::Tensor& latents) const {
  return latents * channel_view(latents_std_, latents) / config_.scaling_factor + channel_view(latents_mean_, latents);
}

}  // namespace finetrain::ltx_video::vae
