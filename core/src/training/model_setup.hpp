// Configuring the run's model plugin, shared by training, `bench --model` and `attention explain`.
#pragma once

#include "finetrain/host_services.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/options.hpp"
#include "plugin_host/plugin_host.hpp"
#include "training/training_settings.hpp"

namespace finetrain::host {

// Calls configure() with the model.* section of `options`, the run's weight dtype (also used for the
// text encoder and VAE), its seed and the host services, then returns the model's traits.
ModelTraits configure_model(const PluginObject<ModelSpec>& model, const Options& options, const TrainingSettings& s,
                            HostServices& services);

}  // namespace finetrain::host
