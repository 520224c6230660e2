// lr_scheduler.*: the learning-rate schedule (diffusers' get_scheduler names).
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_lr_scheduler_section(ConfigSchema& schema) {
  schema.add_string("lr_scheduler.name", "constant_with_warmup", "Schedule of the learning rate over the run")
      .one_of({"constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial"});
  schema.add_int("lr_scheduler.warmup_steps", 0, "Steps of linear warm-up from 0").range(0, std::nullopt);
  schema.add_float("lr_scheduler.num_cycles", 1.0, "cosine_with_restarts: number of hard restarts")
      .range(0, std::nullopt);
  schema.add_float("lr_scheduler.power", 1.0, "polynomial: power of the decay").range(0, std::nullopt);
  schema.add_float("lr_scheduler.lr_end", 1e-7, "polynomial: final learning rate").range(0, std::nullopt);
}

}  // namespace finetrain::host
