#include "attention/attention_sites.hpp"

#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>

#include "attention/attention_config.hpp"
#include "attention/register_plugin_backends.hpp"
#include "finetrain/error.hpp"
#include "plugin_host/host_services.hpp"
#include "training/latent_shape.hpp"
#include "training/model_setup.hpp"
#include "training/rng_streams.hpp"
#include "training/training_settings.hpp"

namespace finetrain::host {

std::vector<RecordedAttentionCall> record_run_attention_sites(const RunRequest& request, PluginHost& host) {
  ResolvedRun run = resolve_run(request, host, PluginRequirement::Optional);
  const PluginObject<ModelSpec>& model = run.plugins.model;
  if (!model) throw Error("attention explain needs a model: set model.name or pass --model");
  const TrainingSettings s = training_settings_from_options(run.options);
  AttentionRegistry& registry = attention_registry();
  register_plugin_backends(host, registry);
  registry.set_policy(attention_policy_from_options(run.options, attention_backend_from_environment(), std::nullopt));

  PluginHostServices services(host);
  const LatentShape shape = latent_shape_for(s, configure_model(model, run.options, s, services));
  model.call("load", [](ModelSpec& m) { m.load(kDenoiser | kTextEncoder); });

  c10::AutoGradMode no_grad(false);
  DenoiserInput input;
  input.conditions = model.call("encode_conditions", [&](ModelSpec& m) {
    return m.encode_conditions(std::vector<std::string>(shape.batch, "an example caption"));
  });
  input.noisy_latents = at::randn({shape.batch, shape.channels, shape.frames, shape.height, shape.width},
                                  make_cpu_generator(s.seed), at::TensorOptions(at::kFloat));
  input.sigmas = at::full({shape.batch}, 0.5, at::TensorOptions(at::kFloat));
  registry.start_recording();
  try {
    model.call("forward", [&](ModelSpec& m) { return m.forward(input); });
  } catch (...) {
    registry.stop_recording();
    throw;
  }
  return registry.stop_recording();
}

}  // namespace finetrain::host
