// `finetrain attention list`: every registered attention backend (built-in and from plugins) with
// its priority under `auto` and the named checks it applies.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "attention/attention_report.hpp"
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
}

}  // namespace finetrain::cli
