// diffusers' AutoencoderKLLTXVideo: encoder + decoder + the latents_mean / latents_std buffers, with diffusers'
// batch slicing and spatial / temporal tiling. Parameter and buffer names are diffusers' exactly, so a diffusers
// `vae/diffusion_pytorch_model.safetensors` loads with finetrain::load_state unchanged.
#pragma once

#include <memory>

#include "vae/decoder.hpp"
#include "vae/encoder.hpp"
#include "vae/gaussian.hpp"
#include "vae/tiling.hpp"
#include "vae/vae_config.hpp"

namespace finetrain::ltx_video::vae {

// How encode() / decode() split the work (diffusers' use_slicing, use_tiling, use_framewise_encoding,
// use_framewise_decoding and enable_tiling() sizes). All off by default, as in diffusers.
struct ExecutionSettings {
  bool slicing = false;         // code batch elements one at a time
  bool spatial_tiling = false;  // tile frames larger than sample_min_height / width
  // Chunk clips longer than sample_min_num_frames. diffusers' _encode tests use_framewise_decoding here (its
  // use_framewise_encoding is never read); the two are separate switches in finetrain.
  bool temporal_tiling_encode = false;
  bool temporal_tiling_decode = false;
  TileSettings tiles;
};

class AutoencoderKLLTXVideo : public torch::nn::Module {
 public:
  // Parameters are zero (scale tables, convs) or diffusers' constants until a checkpoint is loaded or
  // reset_parameters(*this, generator) draws them.
  explicit AutoencoderKLLTXVideo(const LtxVaeConfig& config, const at::TensorOptions& options = {});

  const LtxVaeConfig& config() const { return config_; }
  ExecutionSettings& execution() { return execution_; }
  const ExecutionSettings& execution() const { return execution_; }

  // pixels [B, C, F, H, W] in [-1, 1] -> posterior over latents [B, latent_channels, 1 + (F - 1) / 8, H / 32, W / 32].
  DiagonalGaussianDistribution encode(const at::Tensor& pixels) const;
  // latents -> pixels. temb: [B] decode timesteps (needed with timestep_conditioning). generator: needed when the
  // decoder injects noise.
  at::Tensor decode(const at::Tensor& latents, const at::Tensor& temb = {},
                    c10::optional<at::Generator> generator = c10::nullopt) const;

  // The LTX pipelines' latent normalisation with this VAE's buffers:
  // (z - latents_mean) * scaling_factor / latents_std, and its inverse.
  at::Tensor normalize_latents(const at::Tensor& latents) const;
  at::Tensor denormalize_latents(const at::Tensor& latents) const;

  Encoder3d& encoder() { return *encoder_; }
  Decoder3d& decoder() { return *decoder_; }

 private:
  at::Tensor encode_moments(const at::Tensor& pixels) const;  // diffusers' _encode
  at::Tensor decode_batch(const at::Tensor& latents, const at::Tensor& temb,
                          c10::optional<at::Generator> generator) const;  // diffusers' _decode

  LtxVaeConfig config_;
  ExecutionSettings execution_;
  std::shared_ptr<Encoder3d> encoder_;
  std::shared_ptr<Decoder3d> decoder_;
  at::Tensor latents_mean_;
  at::Tensor latents_std_;
};

}  // namespace finetrain::ltx_video::vae
