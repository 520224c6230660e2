// Declaration and registration only.
#include <finetrain/plugin.hpp>

#include "model_spec.hpp"

FT_DEFINE_MANIFEST(FT_PLUGIN_KIND_MODEL, "ltx-video", "0.1.0",
                   "LTX-Video 0.9.x (2B, 13B): transformer, VAE, T5 text encoder; diffusers and original checkpoints");

namespace {
void register_components(finetrain::PluginRegistrar& registrar) {
  registrar.add<finetrain::ltx_video::LtxVideoModelSpec>("ltx-video", "0.1.0",
                                                         "LTX-Video text-to-video, flow matching");
}
}  // namespace

FT_PLUGIN_ENTRY_POINTS(register_components)
