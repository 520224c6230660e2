#include "runtime/logging.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "finetrain/error.hpp"

namespace finetrain::host {

void configure_logging(const std::string& level, const std::optional<std::filesystem::path>& log_file) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know.
  if (parsed == spdlog::level::off || level == "critical")
    throw Error(fmt::format("log level '{}' is not one of trace, debug, info, warn, error", level));

  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (log_file) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file->string(), /*truncate=*/false));
    } catch (const spdlog::spdlog_ex& e) {
      throw Error(fmt::format("{}: cannot open the log file: {}", log_file->string(), e.what()));
    }
  }
  auto logger = std::make_shared<spdlog::logger>("finetrain", sinks.begin(), sinks.end());
  logger->set_level(parsed);
  // The file is what people read after a crash: every line reaches it at once.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace finetrain::host
