// Validation samples during training: each configured prompt sampled with the model's sampler and
// written as validation_samples/step_<N>_<i>.mp4 (and .gif). Never shifts the training RNG stream,
// so a run resumes exactly whether or not validation ran.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "finetrain/model_spec.hpp"
#include "plugin_host/plugin_host.hpp"
#include "training/training_settings.hpp"

namespace finetrain::host {

// Returns the files written. Loads the encoders the sampler needs and releases them afterwards.
std::vector<std::string> run_validation(const PluginObject<ModelSpec>& model,
                                        const std::vector<ValidationPrompt>& prompts, int64_t step,
                                        const std::string& output_dir, bool gif);

}  // namespace finetrain::host
