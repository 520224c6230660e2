// Gaussian noise drawn only from an explicit generator (posterior sampling, decoder noise injection).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>

namespace finetrain::ltx_video::vae {

// N(0, 1) of `shape` with `options`' dtype and device. Like diffusers' randn_tensor, a generator on another
// device (a CPU generator for a CUDA model) draws on its own device and the result is moved, so one seed gives
// the same noise wherever the model runs.
at::Tensor randn_from(at::IntArrayRef shape, at::Generator& generator, const at::TensorOptions& options);

}  // namespace finetrain::ltx_video::vae
