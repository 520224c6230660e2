// attention.*: which attention backend runs where (declared with the attention code).
#include "attention/attention_config.hpp"
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_attention_section(ConfigSchema& schema) { schema.merge(attention_config_schema()); }

}  // namespace finetrain::host
