// Parity of a component (denoiser, VAE, text encoder) against a fixture folder: build from
// config.json, load weights.safetensors strictly, run the documented call on io.safetensors,
// compare outputs and gradients of loss = sum_k (out.k * R.k).sum().
#pragma once

#include <string>

#include "finetrain/model_spec.hpp"
#include "parity/parity_report.hpp"

namespace finetrain::host {

ParityReport run_component_parity(const std::string& directory, const ComponentBuilder& builder,
                                  const ParityTolerances& tolerances);

}  // namespace finetrain::host
