// Where log lines go: stderr, and a run's log file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace finetrain::host {

// Replaces the default logger: stderr, plus `log_file` (appended) when given, both at `level`
// (trace, debug, info, warn, error). Throws finetrain::Error for another level or a file that
// cannot be opened.
void configure_logging(const std::string& level, const std::optional<std::filesystem::path>& log_file);

}  // namespace finetrain::host
