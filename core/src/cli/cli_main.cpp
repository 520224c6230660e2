#include "cli/cli_main.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <torch/version.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "finetrain/build_config.h"
#include "finetrain/error.hpp"
#include "plugin_host/plugin_manifest.hpp"
#include "runtime/logging.hpp"

namespace finetrain::cli {

namespace {

std::string version_text() {
  return fmt::format("finetrain {}\nSDK ABI {}.{}\nLibTorch {}\nfingerprint {}\n", FT_SDK_VERSION,
                     FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, TORCH_VERSION, host::host_fingerprint());
}

}  // namespace

int run(int argc, char** argv) {
  // Logs go to stderr so that stdout carries only a verb's output (e.g. `plugins check --json`).
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("finetrain", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  CliState state;
  host::configure_logging(state.log_level, std::nullopt);  // logs on stderr: stdout is for results
  CLI::App app{"finetrain: a native trainer for video and image diffusion models"};
  app.set_version_flag("--version", version_text());
  app.add_option("--plugin-path", state.plugin_paths, "Extra plugin directories (':'-separated, searched first)");
  app.add_option("--log-level", state.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.require_subcommand(0, 1);
  add_plugins_command(app, state);
  add_config_command(app, state);
  add_train_command(app, state);
  add_check_parity_command(app, state);
  add_attention_command(app, state);
  add_bench_command(app, state);
  add_convert_lora_command(app, state);

  app.parse_complete_callback([&state] {
    spdlog::set_level(spdlog::level::from_str(state.log_level));
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}

}  // namespace finetrain::cli
