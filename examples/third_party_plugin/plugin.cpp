// toy-pixel: declaration and registration only (file roles: see README.md).
#include <finetrain/plugin.hpp>

#include "model_spec.hpp"

FT_DEFINE_MANIFEST(FT_PLUGIN_KIND_MODEL, "toy-pixel", "0.1.0",
                   "Toy pixel-space flow-matching model: the finetrain third-party plugin example");

namespace {

void register_components(finetrain::PluginRegistrar& registrar) {
  registrar.add<toy_pixel::ToyPixelModelSpec>("toy-pixel", "0.1.0",
                                              "Pixel-space MLP denoiser with a hashed bag-of-words text encoder");
}

}  // namespace

FT_PLUGIN_ENTRY_POINTS(register_components)
