// The attention.* keys, apart from the policy code so that the config fuzzer can declare them
// without linking the attention backends.
#pragma once

#include "finetrain/config_schema.hpp"

namespace finetrain::host {

// attention.backend, attention.validation_backend, attention.overrides = [{site, backend}, ...]
ConfigSchema attention_config_schema();

}  // namespace finetrain::host
