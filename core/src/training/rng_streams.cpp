#include "training/rng_streams.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <mutex>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

at::Tensor get_state(const at::Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex());
  return g.get_state();
}

void set_state(at::Generator g, const at::Tensor& state) {
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(state);
}

}  // namespace

at::Generator make_cpu_generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TensorMap capture_rng_states(const at::Generator& train) {
  return {{"train", get_state(train)}, {"default_cpu", get_state(at::detail::getDefaultCPUGenerator())}};
}

void restore_rng_states(const TensorMap& states, at::Generator& train) {
  for (const char* name : {"train", "default_cpu"})
    if (!states.count(name)) throw Error(fmt::format("checkpoint has no RNG state '{}'", name));
  set_state(train, states.at("train"));
  set_state(at::detail::getDefaultCPUGenerator(), states.at("default_cpu"));
}

DefaultRngIsolation::DefaultRngIsolation() : saved_(get_state(at::detail::getDefaultCPUGenerator())) {}
DefaultRngIsolation::~DefaultRngIsolation() { set_state(at::detail::getDefaultCPUGenerator(), saved_); }

}  // namespace finetrain::host
