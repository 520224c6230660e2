// `finetrain config explain|check`: what can be configured, and whether a run file is valid.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "config/config_writer.hpp"
#include "config/schema_explain.hpp"
#include "finetrain/error.hpp"
#include "runtime/run_config.hpp"

namespace finetrain::cli {
namespace {

std::vector<std::string> names_of(const host::PluginHost& plugin_host, uint32_t kind) {
  std::vector<std::string> names;
  for (const host::ComponentInfo* c : plugin_host.components(kind)) names.push_back(c->name);
  return names;
}

void explain(CliState& state, const host::RunRequest& request) {
  host::PluginHost& plugin_host = state.plugin_host();
  host::RunPlugins plugins =
      host::load_run_plugins(plugin_host, host::choose_plugin_names(request.model, request.trainer, {}));
  host::ExplainPlugins shown{request.model, request.trainer, names_of(plugin_host, FT_PLUGIN_KIND_MODEL),
                             names_of(plugin_host, FT_PLUGIN_KIND_TRAINER)};
  if (state.json) {
    std::cout << host::explain_json(plugins.schema, shown).dump(2) << "\n";
  } else {
    std::cout << host::explain_text(plugins.schema, shown);
  }
}

void check(CliState& state, const host::RunRequest& request) {
  host::ResolvedRun run = host::resolve_run(request, state.plugin_host(), host::PluginRequirement::Optional);
  std::cout << host::write_resolved_config(run.options, run.plugins.schema);
}

// Configuration errors are the output of these verbs: plain lines on stderr, exit code 1.
template <class F>
void reporting_errors(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_config_command(CLI::App& app, CliState& state) {
  auto request = std::make_shared<host::RunRequest>();  // explain uses only model and trainer
  auto* config = app.add_subcommand("config", "Explain the configuration keys, or check a run file");
  config->require_subcommand(1);

  auto* explain_cmd =
      config->add_subcommand("explain", "Every key of the core and the chosen plugins: type, default, doc");
  explain_cmd->add_option("--model", request->model, "Include this model plugin's keys");
  explain_cmd->add_option("--trainer", request->trainer, "Include this trainer plugin's keys");
  explain_cmd->add_flag("--json", state.json, "Machine-readable output");
  explain_cmd->callback([&state, request] { reporting_errors([&] { explain(state, *request); }); });

  auto* check_cmd = config->add_subcommand("check", "Validate a run file and print the resolved configuration");
  check_cmd->add_option("RUN", request->run_file, "Run file (TOML)")->required();
  check_cmd->add_option("--model", request->model, "Model plugin (overrides model.name)");
  check_cmd->add_option("--trainer", request->trainer, "Trainer plugin (overrides trainer.name)");
  check_cmd->add_option("--set", request->overrides, "Override a key: --set key=value (repeatable)")
      ->allow_extra_args(false);
  check_cmd->callback([&state, request] { reporting_errors([&] { check(state, *request); }); });
}

}  // namespace finetrain::cli
