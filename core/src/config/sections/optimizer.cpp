// optimizer.*: the update rule.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_optimizer_section(ConfigSchema& schema) {
  schema.add_string("optimizer.name", "adamw", "Update rule").one_of({"adamw", "adam", "sgd"});
  schema.add_float("optimizer.learning_rate", 1e-4, "Peak learning rate").range(0, 1);
  schema.add_float("optimizer.beta1", 0.9, "Adam: decay of the first moment").range(0, 1);
  schema.add_float("optimizer.beta2", 0.999, "Adam: decay of the second moment").range(0, 1);
  schema.add_float("optimizer.epsilon", 1e-8, "Adam: term added to the denominator").range(0, 1);
  schema.add_float("optimizer.weight_decay", 1e-4, "Decoupled (adamw) or L2 (adam, sgd) weight decay")
      .range(0, std::nullopt);
  schema.add_float("optimizer.momentum", 0.0, "SGD momentum").range(0, 1);
}

}  // namespace finetrain::host
