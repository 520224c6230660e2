// check-parity builder for FlowMatchEulerDiscreteScheduler fixtures (call in scheduler_parity.hpp).
#include <fmt/format.h>

#include <memory>

#include "diffusion/scheduler_parity_case.hpp"
#include "finetrain/error.hpp"
#include "finetrain/flow_match_euler_scheduler.hpp"
#include "finetrain/scheduler_parity.hpp"

namespace finetrain {
namespace {

class FlowMatchEulerParityCase : public ParityComponent {
 public:
  explicit FlowMatchEulerParityCase(const std::string& case_json) {
    const auto parsed = detail::SchedulerParityCase::parse(case_json);
    config_ = FlowMatchEulerDiscreteConfig::from_json(parsed.config_json, "scheduler config");
    auto kwargs = parsed.set_timesteps_reader();
    request_.num_inference_steps = kwargs.get_optional_int("num_inference_steps", std::nullopt);
    request_.sigmas = kwargs.get_optional_doubles("sigmas");
    request_.mu = kwargs.get_optional_double("mu", std::nullopt);
    request_.timesteps = kwargs.get_optional_doubles("timesteps");
    kwargs.finish();
  }

  torch::nn::Module* module() override { return nullptr; }

  TensorMap run(const TensorMap& inputs, const std::string& /*call*/) override {
    FlowMatchEulerDiscreteScheduler scheduler(config_);
    scheduler.set_timesteps(request_);
    TensorMap out{{"timesteps", scheduler.timesteps()}, {"sigmas", scheduler.sigmas()}};
    const int64_t steps = detail::count_parity_steps(inputs);
    if (steps > scheduler.timesteps().size(0))
      throw Error(fmt::format("the fixture has {} steps, the schedule only {}", steps, scheduler.timesteps().size(0)));
    for (int64_t i = 0; i < steps; ++i) {
      const double timestep = scheduler.timesteps()[i].item<double>();
      out[fmt::format("step{}.prev_sample", i)] =
          scheduler.step(detail::step_model_output(inputs, i), timestep, detail::step_sample(inputs, i));
    }
    return out;
  }

 private:
  FlowMatchEulerDiscreteConfig config_;
  FlowMatchTimestepsRequest request_;
};

}  // namespace

ComponentBuilder flow_match_euler_parity_builder() {
  return {"FlowMatchEulerDiscreteScheduler", [](const std::string& case_json, c10::Device /*device*/) {
            return std::unique_ptr<ParityComponent>(new FlowMatchEulerParityCase(case_json));
          }};
}

}  // namespace finetrain
