// attention.*: which attention backend runs where. The policy built from these keys is
// attention/attention_config.cpp.
#include "attention/attention_schema.hpp"

namespace finetrain::host {

ConfigSchema attention_config_schema() {
  ConfigSchema schema;
  schema.add_string("attention.backend", "auto",
                    "Attention backend for training: a registered name (see `finetrain attention list`) or auto");
  schema.add_string("attention.validation_backend", "auto", "Attention backend for validation sampling, or auto");
  OptionSpec site = item_key("site", ValueType::String, std::monostate{},
                             "Glob over attention sites (module paths, e.g. transformer_blocks.*.attn2)");
  site.require();
  OptionSpec backend = item_key("backend", ValueType::String, std::monostate{}, "Backend for matching sites, or auto");
  backend.require();
  schema.add_table_list("attention.overrides", {site, backend},
                        "Per-site backends; the first matching entry wins over both phase backends");
  return schema;
}

void declare_attention_section(ConfigSchema& schema) { schema.merge(attention_config_schema()); }

}  // namespace finetrain::host
