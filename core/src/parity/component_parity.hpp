// Parity of a component (denoiser, VAE, text encoder) against a fixture folder: build from
// config.json, load weights.safetensors (missing / unexpected / mis-shaped keys are reported and
// fail the run), run the documented call on io.safetensors' in.* tensors, compare every out.*,
// then the gradients grad.in.* / grad.param.* of loss = sum_k (out.k * R.k).sum(). On any
// failure our captured intermediates are compared with the fixture's aux.* to name the first
// module that diverges.
#pragma once

#include <string>

#include "finetrain/model_spec.hpp"
#include "parity/parity_report.hpp"
#include "parity/tolerances.hpp"

namespace finetrain::host {

ParityReport run_component_parity(const std::string& directory, const ComponentBuilder& builder,
                                  const ParityTolerances& tolerances);

}  // namespace finetrain::host
