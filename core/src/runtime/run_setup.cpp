#include "runtime/run_setup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "config/config_writer.hpp"
#include "finetrain/error.hpp"
#include "runtime/logging.hpp"
#include "runtime/threads.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

void create_output_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(fmt::format("output_dir '{}': cannot create the directory: {}", dir.string(),
                            ec ? ec.message() : "a file of that name exists"));
}

// Written next to its final name and renamed, so the file is never half written.
void write_text_file(const fs::path& path, const std::string& text) {
  fs::path partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error(fmt::format("{}: cannot write", partial.string()));
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) throw Error(fmt::format("{}: cannot rename to {}: {}", partial.string(), path.string(), ec.message()));
}

}  // namespace

RunEnvironment prepare_run_environment(const Options& options, const ConfigSchema& schema,
                                       const std::optional<std::string>& cli_log_level) {
  RunEnvironment env;
  env.output_dir = options.get_string("output_dir");
  create_output_dir(env.output_dir);

  env.log_file = env.output_dir / "finetrain.log";
  configure_logging(cli_log_level.value_or(options.get_string("runtime.log_level")), env.log_file);
  spdlog::info("output directory: {}", env.output_dir.string());

  env.intra_op_threads = configure_intra_op_threads(options.get_int("runtime.threads"));

  env.resolved_config = env.output_dir / "training_config.toml";
  write_text_file(env.resolved_config, write_resolved_config(options, schema));
  spdlog::info("resolved configuration written to {}", env.resolved_config.string());
  return env;
}

RunSetup set_up_run(const RunRequest& request, const PluginHost& host) {
  RunSetup setup;
  setup.config = resolve_run(request, host, PluginRequirement::Required);
  setup.environment = prepare_run_environment(setup.config.options, setup.config.plugins.schema, request.log_level);
  return setup;
}

}  // namespace finetrain::host
