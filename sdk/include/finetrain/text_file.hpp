// Reading a whole text file: configs (config.json, run files), READMEs, the resolved config.
#pragma once

#include <string>

#include "finetrain/export.hpp"

namespace finetrain {

// The whole file, bytes unchanged; throws finetrain::Error "<path>: cannot open" when it cannot be read.
FT_SDK_API std::string read_text_file(const std::string& path);

}  // namespace finetrain
