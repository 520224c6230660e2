// model.*: the core's own key; the model plugin declares the rest of the section.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_model_section(ConfigSchema& schema) {
  schema.add_optional("model.name", ValueType::String,
                      "Model plugin to train (`finetrain plugins` lists them); --model overrides it");
}

}  // namespace finetrain::host
