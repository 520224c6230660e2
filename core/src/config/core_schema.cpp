#include "config/core_schema.hpp"

namespace finetrain::host {

// config_sections.inc (generated) holds one FT_CONFIG_SECTION(name) per file in config/sections/.
#define FT_CONFIG_SECTION(name) void declare_##name##_section(ConfigSchema& schema);
#include "config_sections.inc"
#undef FT_CONFIG_SECTION

ConfigSchema core_config_schema() {
  ConfigSchema schema;
#define FT_CONFIG_SECTION(name) declare_##name##_section(schema);
#include "config_sections.inc"
#undef FT_CONFIG_SECTION
  return schema;
}

}  // namespace finetrain::host
