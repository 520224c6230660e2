// Runs the model's encoders once over the dataset before training: every clip becomes latents
// (the VAE's cached output) and every caption becomes conditions (the text encoder's output), so
// the encoders can be freed and training touches only the denoiser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/prompt_video_folder.hpp"
#include "finetrain/model_spec.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

struct FrameBucket {
  int64_t frames = 1;
  int64_t height = 0;
  int64_t width = 0;
};

struct EncodedSample {
  TensorMap latents;     // ModelSpec::encode_latents() output, batch dim 1
  TensorMap conditions;  // ModelSpec::encode_conditions() output, batch dim 1
  std::string origin;
};

struct PrecomputeResult {
  std::vector<EncodedSample> samples;
  std::vector<std::string> skipped;  // unreadable media, one line each
};

// Media that cannot be decoded is skipped, warned about and counted — or fatal when `strict`.
PrecomputeResult precompute_samples(const PluginObject<ModelSpec>& model, const std::vector<MediaItem>& items,
                                    const FrameBucket& bucket, bool strict);

// Pixels in the models' layout: uint8 [F, H, W, 3] -> float [1, 3, F, H, W] in [-1, 1].
at::Tensor to_model_pixels(const at::Tensor& frames_fhwc);

// Stacks the samples' tensors along the batch dimension (every sample has the same keys and shapes
// within a bucket).
TensorMap collate(const std::vector<const TensorMap*>& parts);

}  // namespace finetrain::host
