// Random weights for a transformer built from a preset without a checkpoint (the `tiny` preset):
// drawn from an explicit generator so the same seed always builds the same model.
#pragma once

#include <ATen/core/Generator.h>

namespace torch::nn {
class Module;
}

namespace finetrain::ltx_video {

// torch.nn's default scales for linear weights (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), zero biases,
// unit norm gains, and diffusers' randn / sqrt(dim) for the scale-shift tables.
void init_transformer_randomly(torch::nn::Module& transformer, at::Generator generator);

}  // namespace finetrain::ltx_video
