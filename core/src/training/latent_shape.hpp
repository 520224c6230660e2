// The latent shape a model makes of the configured sample size (data.frames x data.height x
// data.width), checked against the model's compression so a bad size fails before any work.
#pragma once

#include <cstdint>

#include "finetrain/model_spec.hpp"
#include "training/training_settings.hpp"

namespace finetrain::host {

struct LatentShape {
  int64_t batch = 1;
  int64_t channels = 0;
  int64_t frames = 1, height = 1, width = 1;  // latent grid
  int64_t tokens() const { return frames * height * width; }
};

// Throws finetrain::Error naming the data.* keys and the sizes the model accepts.
LatentShape latent_shape_for(const TrainingSettings& settings, const ModelTraits& traits);

}  // namespace finetrain::host
