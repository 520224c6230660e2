// The keys the core itself reads, one section per file under config/sections/. A section file
// `<name>.cpp` defines `void declare_<name>_section(ConfigSchema&)`; CMake lists the files into
// config_sections.inc, so adding a section is adding a file (then re-running cmake).
#pragma once

#include "finetrain/config_schema.hpp"

namespace finetrain::host {

ConfigSchema core_config_schema();

}  // namespace finetrain::host
