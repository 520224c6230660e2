// Text-to-video sampling as diffusers' LTXPipeline.__call__ does it: noise in latent space,
// FlowMatchEuler with the resolution-dependent shift, classifier-free guidance, then the VAE.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "finetrain/model_spec.hpp"
#include "latent_statistics.hpp"
#include "options.hpp"
#include "text_conditioning.hpp"
#include "transformer/transformer.hpp"
#include "vae/autoencoder.hpp"

namespace finetrain::ltx_video {

struct SamplerParts {
  LtxVideoTransformer3DModelImpl& transformer;
  const vae::AutoencoderKLLTXVideo& vae;
  const TextConditioner& text;
  const LatentStatistics& statistics;
  const LtxVideoOptions& options;
  const std::string& scheduler_json;
};

// Returns pixels [1, 3, F, H, W] in [-1, 1]. Frame count must be 8k + 1 and sizes multiples of 32
// (the VAE's compression); otherwise a finetrain::Error names the nearest valid values.
at::Tensor sample_video(const SamplerParts& parts, const SampleRequest& request);

// Latents -> pixels, with the decode timestep and noise of timestep-conditioned VAEs drawn from
// `generator`.
at::Tensor decode_to_pixels(const vae::AutoencoderKLLTXVideo& vae, const LatentStatistics& statistics,
                            const LtxVideoOptions& options, const at::Tensor& latents, at::Generator generator);

}  // namespace finetrain::ltx_video
