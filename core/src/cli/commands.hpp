// Each CLI verb registers itself on the application; one file per verb.
#pragma once

namespace CLI {
class App;
}

namespace finetrain::cli {

struct CliState;

void add_plugins_command(CLI::App& app, CliState& state);
void add_config_command(CLI::App& app, CliState& state);
// The main job: training from a run file (no verb).
void add_train_command(CLI::App& app, CliState& state);
void add_check_parity_command(CLI::App& app, CliState& state);
void add_attention_command(CLI::App& app, CliState& state);
void add_bench_command(CLI::App& app, CliState& state);
void add_convert_lora_command(CLI::App& app, CliState& state);

}  // namespace finetrain::cli
