#include "sampler.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/flow_match_euler_scheduler.hpp"
#include "latent_packing.hpp"

namespace finetrain::ltx_video {

at::Tensor decode_to_pixels(const vae::AutoencoderKLLTXVideo& vae, const LatentStatistics& statistics,
                            const LtxVideoOptions& options, const at::Tensor& latents, at::Generator generator) {
  const auto dtype = vae.parameters().front().scalar_type();
  at::Tensor z = statistics.denormalize(latents.to(at::kFloat));
  at::Tensor temb;
  if (vae.config().timestep_conditioning) {
    // LTXPipeline: mix a little noise in and tell the decoder how much (decode_timestep).
    at::Tensor noise = at::randn(z.sizes(), generator, z.options());
    z = z * (1.0 - options.decode_noise_scale) + noise * options.decode_noise_scale;
    temb = at::full({z.size(0)}, options.decode_timestep, z.options().dtype(dtype));
  }
  at::Tensor pixels = vae.decode(z.to(dtype), temb, generator);
  return pixels.to(at::kFloat).clamp(-1.0, 1.0);
}

at::Tensor sample_video(const SamplerParts& parts, const SampleRequest& r) {
  c10::AutoGradMode no_grad(false);
  const auto& vae_config = parts.vae.config();
  const int64_t t_ratio = vae_config.temporal_compression(), s_ratio = vae_config.spatial_compression();
  if ((r.num_frames - 1) % t_ratio != 0 || r.num_frames < 1)
    throw Error(fmt::format("num_frames must be {}k + 1 (e.g. {}), got {}", t_ratio,
                            ((r.num_frames - 1) / t_ratio) * t_ratio + 1, r.num_frames));
  if (r.height % s_ratio || r.width % s_ratio || r.height < s_ratio || r.width < s_ratio)
    throw Error(fmt::format("height and width must be multiples of {}, got {}x{}", s_ratio, r.width, r.height));
  if (r.num_inference_steps < 1) throw Error("num_inference_steps must be at least 1");

  const auto& tc = parts.transformer.config();
  const auto dtype = parts.transformer.proj_in->weight.scalar_type();
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(r.seed);
  const bool guidance = r.guidance_scale > 1.0;

  // Conditions: [negative; positive] when guiding, as the pipeline concatenates them.
  TensorMap positive = parts.text.encode({r.prompt});
  at::Tensor context = positive.at("encoder_hidden_states");
  at::Tensor mask = positive.at("encoder_attention_mask");
  if (guidance) {
    TensorMap negative = parts.text.encode({r.negative_prompt});
    context = at::cat({negative.at("encoder_hidden_states"), context});
    mask = at::cat({negative.at("encoder_attention_mask"), mask});
  }

  const int64_t frames = (r.num_frames - 1) / t_ratio + 1, height = r.height / s_ratio, width = r.width / s_ratio;
  at::Tensor latents = at::randn({1, tc.in_channels, frames, height, width}, generator, at::TensorOptions(at::kFloat));
  const TokenGrid grid{frames / tc.patch_size_t, height / tc.patch_size, width / tc.patch_size};
  latents = pack_latents(latents, tc.patch_size, tc.patch_size_t);

  auto scheduler = FlowMatchEulerDiscreteScheduler::from_config_json(parts.scheduler_json, "scheduler config");
  std::vector<double> sigmas(static_cast<size_t>(r.num_inference_steps));
  const double n = static_cast<double>(r.num_inference_steps);
  for (size_t i = 0; i < sigmas.size(); ++i)  // np.linspace(1.0, 1 / n, n)
    sigmas[i] = n == 1 ? 1.0 : 1.0 - static_cast<double>(i) * (1.0 - 1.0 / n) / (n - 1.0);
  FlowMatchTimestepsRequest schedule;
  schedule.num_inference_steps = r.num_inference_steps;
  schedule.sigmas = sigmas;
  if (scheduler.config().use_dynamic_shifting) schedule.mu = scheduler.mu_for_sequence_length(grid.tokens());
  scheduler.set_timesteps(schedule);

  LtxTransformerInputs in;
  in.encoder_hidden_states = context.to(dtype);
  in.encoder_attention_mask = mask;
  in.grid = grid;
  in.rope_interpolation_scale = std::array<double, 3>{static_cast<double>(t_ratio) / r.frame_rate,
                                                      static_cast<double>(s_ratio), static_cast<double>(s_ratio)};
  const at::Tensor timesteps = scheduler.timesteps();
  for (int64_t i = 0; i < timesteps.size(0); ++i) {
    const double t = timesteps[i].item<double>();
    in.hidden_states = (guidance ? at::cat({latents, latents}) : latents).to(dtype);
    in.timestep = at::full({in.hidden_states.size(0)}, t, at::TensorOptions(at::kFloat));
    at::Tensor prediction = parts.transformer.forward(in).to(at::kFloat);
    if (guidance) {
      auto halves = prediction.chunk(2);
      prediction = halves[0] + (halves[1] - halves[0]) * r.guidance_scale;
    }
    latents = scheduler.step(prediction, t, latents);
  }
  latents = unpack_latents(latents, frames, height, width, tc.patch_size, tc.patch_size_t);
  return decode_to_pixels(parts.vae, parts.statistics, parts.options, latents, generator);
}

}  // namespace finetrain::ltx_video
