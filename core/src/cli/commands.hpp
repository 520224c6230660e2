// Each CLI verb registers itself on the application; one file per verb.
#pragma once

namespace CLI {
class App;
}

namespace finetrain::cli {

struct CliState;

void add_plugins_command(CLI::App& app, CliState& state);
void add_attention_command(CLI::App& app, CliState& state);
void add_bench_command(CLI::App& app, CliState& state);

}  // namespace finetrain::cli
