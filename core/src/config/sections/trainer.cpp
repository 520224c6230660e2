// trainer.*: the core's own key; the trainer plugin declares its keys itself.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_trainer_section(ConfigSchema& schema) {
  schema.add_optional("trainer.name", ValueType::String,
                      "Trainer plugin: what is trained and how the loss is formed (e.g. sft); --trainer overrides it");
}

}  // namespace finetrain::host
