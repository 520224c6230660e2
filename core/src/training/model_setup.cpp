#include "training/model_setup.hpp"

namespace finetrain::host {

ModelTraits configure_model(const PluginObject<ModelSpec>& model, const Options& options, const TrainingSettings& s,
                            HostServices& services) {
  ModelContext context;
  context.options = options.section("model");
  context.dtype = context.text_encoder_dtype = context.vae_dtype = s.dtype;
  context.seed = s.seed;
  context.host = &services;
  model.call("configure", [&](ModelSpec& m) { m.configure(context); });
  return model.call("traits", [](ModelSpec& m) { return m.traits(); });
}

}  // namespace finetrain::host
