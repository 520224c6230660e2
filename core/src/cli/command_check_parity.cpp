// `finetrain check-parity DIR [--json]`: compares our implementation of the component or scheduler
// in a reference fixture folder with the reference outputs and gradients (docs/parity.md). Exits 0
// only when every tensor is within the folder's tolerances.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "parity/builder_catalog.hpp"
#include "parity/check_parity.hpp"
#include "parity/parity_output.hpp"

namespace finetrain::cli {

void add_check_parity_command(CLI::App& app, CliState& state) {
  auto* command = app.add_subcommand(
      "check-parity", "Compare a component or scheduler with a reference fixture folder (config.json, io.safetensors)");
  auto directory = std::make_shared<std::string>();
  command->add_option("DIR", *directory, "Fixture folder, e.g. ../shared/fixtures/ltx/transformer")->required();
  command->add_flag("--json", state.json, "Machine-readable output");
  command->callback([&state, directory] {
    const auto catalog = host::BuilderCatalog::collect(&state.plugin_host());
    const host::ParityReport report = host::check_parity(*directory, catalog);
    if (state.json) {
      std::cout << host::parity_json(report).dump(2) << "\n";
    } else {
      std::cout << host::parity_table(report);
    }
    if (!report.passed()) throw CLI::RuntimeError(1);
  });
}

}  // namespace finetrain::cli
