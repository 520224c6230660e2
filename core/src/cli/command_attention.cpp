// `finetrain attention list`: every registered attention backend (built-in and from plugins) with
// its priority under `auto` and the named checks it applies.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "attention/attention_report.hpp"
#include "attention/attention_sites.hpp"
#include "attention/register_plugin_backends.hpp"
#include "cli/cli_state.hpp"
#include "cli/commands.hpp"

namespace finetrain::cli {

void add_attention_command(CLI::App& app, CliState& state) {
  auto* attention = app.add_subcommand("attention", "Attention backends: what is registered and what each accepts");
  attention->require_subcommand(1);
  auto* list = attention->add_subcommand("list", "List attention backends: name, priority, origin and checks");
  list->callback([&state] {
    AttentionRegistry& registry = attention_registry();
    std::map<std::string, std::string> origins;
    for (const auto& r : host::register_plugin_backends(state.plugin_host(), registry))
      if (r.error.empty()) origins[r.backend] = r.plugin;
    std::cout << host::backend_list_table(registry, origins);
  });

  auto request = std::make_shared<host::RunRequest>();
  auto* explain = attention->add_subcommand(
      "explain", "For every attention site of a run's model: each backend's verdict and reason, and the one chosen");
  explain->add_option("RUN", request->run_file, "Run file (TOML)")->required()->check(CLI::ExistingFile);
  explain->add_option("--model", request->model, "Model plugin (overrides model.name)");
  explain->add_option("--set", request->overrides, "Override a configuration key");
  explain->callback([&state, request] {
    auto calls = host::record_run_attention_sites(*request, state.plugin_host());
    std::cout << host::explain_table(calls);
  });
}

}  // namespace finetrain::cli
