// The main job: `finetrain [--model M] [--trainer T] RUN.toml [--set key=value ...] [--resume latest|DIR]`.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "training/training_run.hpp"

namespace finetrain::cli {

void add_train_command(CLI::App& app, CliState& state) {
  auto command = std::make_shared<host::TrainCommand>();
  auto disable_bars = std::make_shared<bool>(false);
  app.add_option("RUN", command->request.run_file, "Run file (TOML) to train with; see configs/")
      ->check(CLI::ExistingFile);
  app.add_option("--model", command->request.model, "Model plugin (overrides model.name)");
  app.add_option("--trainer", command->request.trainer, "Trainer plugin (overrides trainer.name)");
  app.add_option("--set", command->request.overrides, "Override a configuration key: --set training.max_steps=100")
      ->allow_extra_args(false);
  app.add_option("--resume", command->resume, "Resume from 'latest' (newest checkpoint in output_dir) or a checkpoint directory");
  app.add_flag("--disable-progress-bars", *disable_bars, "Plain log lines instead of a live progress bar");

  app.callback([&app, &state, command, disable_bars] {
    if (!app.get_subcommands().empty()) return;  // a verb ran instead
    if (command->request.run_file.empty()) throw CLI::CallForHelp();
    if (app.get_option("--log-level")->count() > 0) command->request.log_level = state.log_level;
    command->progress_bar = !*disable_bars;
    const int code = host::run_training(*command, state.plugin_host());
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace finetrain::cli
