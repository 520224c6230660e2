// Flow-matching training utilities shared by every flow-matching family (LTX, Wan, Hunyuan, Flux):
// where the training sigmas come from, how they are shifted, how the loss is weighted and how
// latents are noised.
//
// The formulas follow diffusers (training_utils.py: compute_density_for_timestep_sampling,
// compute_loss_weighting_for_sd3; the pipelines' calculate_shift and the FlowMatchEuler scheduler's
// time_shift) and finetrainers (flow_match_xt / flow_match_target). All randomness comes from an
// explicit generator, so a resumed run that restores the generator draws the same sigmas.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <string>

#include "finetrain/export.hpp"

namespace finetrain {

// ---- sigma sampling ----

enum class SigmaSamplingScheme {
  Uniform,      // u ~ U[0, 1)
  LogitNormal,  // u = sigmoid(n), n ~ N(logit_mean, logit_std^2)  (SD3 "rf/lognorm")
  Mode,         // u = 1 - v - mode_scale * (cos^2(pi v / 2) - 1 + v), v ~ U[0, 1)  (SD3 "mode")
};

// "uniform" (also "none", diffusers' fallback), "logit_normal", "mode"; throws naming the choices.
FT_SDK_API SigmaSamplingScheme sigma_sampling_scheme_from_string(const std::string& name);
FT_SDK_API const char* to_string(SigmaSamplingScheme scheme);

struct FT_SDK_API SigmaSampling {
  SigmaSamplingScheme scheme = SigmaSamplingScheme::Uniform;
  double logit_mean = 0.0;
  double logit_std = 1.0;
  double mode_scale = 1.29;
};

// Draws u in [0, 1] of shape `sizes` ({B} per sample, {B, F} per frame) as float32 on the
// generator's device, exactly as diffusers' compute_density_for_timestep_sampling does with the
// same generator state (torch.rand / torch.normal on the same stream).
FT_SDK_API at::Tensor sample_timestep_density(const SigmaSampling& sampling, at::IntArrayRef sizes,
                                              at::Generator generator);

// ---- shifting ----

// Static shift: shift * s / (1 + (shift - 1) * s). shift = 1 is the identity.
FT_SDK_API at::Tensor shift_sigmas(const at::Tensor& sigmas, double shift);

// diffusers' calculate_shift: mu interpolated linearly in the sequence length between
// (base_seq_len, base_shift) and (max_seq_len, max_shift), extrapolated outside that range.
FT_SDK_API double resolution_shift_mu(int64_t seq_len, int64_t base_seq_len, int64_t max_seq_len, double base_shift,
                                      double max_shift);

// diffusers' exponential time shift: exp(mu) / (exp(mu) + (1 / t - 1)^sigma).
FT_SDK_API at::Tensor time_shift_exponential(const at::Tensor& t, double mu, double sigma = 1.0);

// How training sigmas are shifted after sampling.
struct FT_SDK_API FlowShift {
  enum class Kind { None, Static, ResolutionDependent };
  Kind kind = Kind::None;
  double shift = 1.0;  // Static
  // ResolutionDependent (defaults of diffusers' FlowMatchEuler config / Flux).
  int64_t base_seq_len = 256;
  int64_t max_seq_len = 4096;
  double base_shift = 0.5;
  double max_shift = 1.15;

  // `seq_len` is the latent token count of the sample (ignored unless ResolutionDependent).
  at::Tensor apply(const at::Tensor& sigmas, int64_t seq_len) const;
};

// Sampling then shifting: the training sigmas of one batch.
FT_SDK_API at::Tensor sample_flow_sigmas(const SigmaSampling& sampling, const FlowShift& shift, at::IntArrayRef sizes,
                                         int64_t seq_len, at::Generator generator);

// ---- loss weighting ----

enum class LossWeighting {
  None,       // 1
  SigmaSqrt,  // sigma^-2 (float32)
  CosMap,     // 2 / (pi * (1 - 2 sigma + 2 sigma^2))
};

// "none", "sigma_sqrt", "cosmap"; throws naming the choices.
FT_SDK_API LossWeighting loss_weighting_from_string(const std::string& name);
FT_SDK_API const char* to_string(LossWeighting weighting);

// diffusers' compute_loss_weighting_for_sd3, elementwise over `sigmas`.
FT_SDK_API at::Tensor loss_weighting(LossWeighting weighting, const at::Tensor& sigmas);

// ---- noising ----

// Reshapes sigmas so they broadcast against `like`:
//   [B]    -> [B, 1, ..., 1]               one sigma per sample, any layout;
//   [B, F] -> [B, 1, F, 1, 1]              per frame, for [B, C, F, H, W] latents;
//   [B, L] -> [B, L, 1]                    per token, for [B, L, D] token sequences.
// Throws finetrain::Error naming both shapes when they do not fit.
FT_SDK_API at::Tensor broadcast_sigmas(const at::Tensor& sigmas, const at::Tensor& like);

// x_t = (1 - sigma) * x0 + sigma * noise, sigmas as in broadcast_sigmas().
FT_SDK_API at::Tensor flow_match_noisy(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigmas);

// The velocity target: noise - x0.
FT_SDK_API at::Tensor flow_match_target(const at::Tensor& x0, const at::Tensor& noise);

}  // namespace finetrain
