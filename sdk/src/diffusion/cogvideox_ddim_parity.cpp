// check-parity builder for CogVideoXDDIMScheduler fixtures (call in scheduler_parity.hpp).
#include <fmt/format.h>

#include <memory>

#include "diffusion/scheduler_parity_case.hpp"
#include "finetrain/cogvideox_ddim_scheduler.hpp"
#include "finetrain/error.hpp"
#include "finetrain/scheduler_parity.hpp"

namespace finetrain {
namespace {

class CogVideoXDDIMParityCase : public ParityComponent {
 public:
  explicit CogVideoXDDIMParityCase(const std::string& case_json) {
    const auto parsed = detail::SchedulerParityCase::parse(case_json);
    config_ = CogVideoXDDIMConfig::from_json(parsed.config_json, "scheduler config");
    auto kwargs = parsed.set_timesteps_reader();
    num_inference_steps_ = kwargs.get_int("num_inference_steps", 0);
    if (num_inference_steps_ < 1) kwargs.fail("num_inference_steps", "required, a positive integer");
    kwargs.finish();
  }

  torch::nn::Module* module() override { return nullptr; }

  TensorMap run(const TensorMap& inputs, const std::string& /*call*/) override {
    CogVideoXDDIMScheduler scheduler(config_);
    scheduler.set_timesteps(num_inference_steps_);
    TensorMap out{{"alphas_cumprod", scheduler.alphas_cumprod()},
                  {"betas", scheduler.betas()},
                  {"timesteps", scheduler.timesteps()}};
    const int64_t steps = detail::count_parity_steps(inputs);
    if (steps > scheduler.timesteps().size(0))
      throw Error(fmt::format("the fixture has {} steps, the schedule only {}", steps, scheduler.timesteps().size(0)));
    for (int64_t i = 0; i < steps; ++i) {
      auto result = scheduler.step(detail::step_model_output(inputs, i), scheduler.timesteps()[i].item<int64_t>(),
                                   detail::step_sample(inputs, i));
      out[fmt::format("step{}.prev_sample", i)] = result.prev_sample;
      out[fmt::format("step{}.pred_original_sample", i)] = result.pred_original_sample;
    }
    return out;
  }

 private:
  CogVideoXDDIMConfig config_;
  int64_t num_inference_steps_ = 0;
};

}  // namespace

ComponentBuilder cogvideox_ddim_parity_builder() {
  return {"CogVideoXDDIMScheduler", [](const std::string& case_json, c10::Device /*device*/) {
            return std::unique_ptr<ParityComponent>(new CogVideoXDDIMParityCase(case_json));
          }};
}

}  // namespace finetrain
