#include "diffusion/scheduler_parity_case.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "finetrain/error.hpp"

namespace finetrain::detail {

SchedulerParityCase SchedulerParityCase::parse(const std::string& case_json) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(case_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("scheduler fixture case: invalid JSON: {}", e.what()));
  }
  if (!object.is_object() || !object.contains("config") || !object["config"].is_object())
    throw Error("scheduler fixture case: expected an object with a \"config\" object (and optional \"set_timesteps\")");
  for (const auto& item : object.items())
    if (item.key() != "config" && item.key() != "set_timesteps")
      throw Error(
          fmt::format("scheduler fixture case: unexpected key '{}' (expected config, set_timesteps)", item.key()));
  SchedulerParityCase c;
  c.config_json = object["config"].dump();
  c.set_timesteps_json = object.contains("set_timesteps") ? object["set_timesteps"].dump() : "{}";
  return c;
}

SchedulerConfigReader SchedulerParityCase::set_timesteps_reader() const {
  return SchedulerConfigReader(set_timesteps_json, "set_timesteps arguments");
}

int64_t count_parity_steps(const TensorMap& inputs) {
  int64_t n = 0;
  while (inputs.count(fmt::format("step{}.model_output", n))) {
    if (!inputs.count(fmt::format("sample{}", n)))
      throw Error(fmt::format("scheduler fixture: input step{}.model_output has no matching sample{}", n, n));
    ++n;
  }
  return n;
}

const at::Tensor& step_model_output(const TensorMap& inputs, int64_t i) {
  return inputs.at(fmt::format("step{}.model_output", i));
}

const at::Tensor& step_sample(const TensorMap& inputs, int64_t i) { return inputs.at(fmt::format("sample{}", i)); }

}  // namespace finetrain::detail
