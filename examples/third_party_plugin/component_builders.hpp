// Components built from a diffusers-style config.json by `_class_name`, for `finetrain check-parity`
// and for anyone who wants one toy-pixel component without the whole family.
#pragma once

#include <finetrain/model_spec.hpp>

#include <vector>

namespace toy_pixel {

// ToyPixelTransformer2DModel, ToyPixelTextEncoder, ToyPixelIdentityVAE.
std::vector<finetrain::ComponentBuilder> component_builders();

}  // namespace toy_pixel
