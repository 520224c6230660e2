#include "vae/noise.hpp"

#include <ATen/ops/randn.h>

namespace finetrain::ltx_video::vae {

at::Tensor randn_from(at::IntArrayRef shape, at::Generator& generator, const at::TensorOptions& options) {
  const c10::Device generator_device = generator.device();
  if (generator_device.type() == options.device().type()) return at::randn(shape, generator, options);
  return at::randn(shape, generator, options.device(generator_device)).to(options.device());
}

}  // namespace finetrain::ltx_video::vae
