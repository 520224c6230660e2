// Run set-up: plugin choice, the combined schema, output dir, logging, threads, resolved config.
// Uses the real PluginHost; no model or trainer plugin exists yet, so the plugin paths are
// checked through their errors ("available: (none)").
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config_writer.hpp"
#include "config/core_schema.hpp"
#include "config/plugin_schema.hpp"
#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "finetrain/error.hpp"
#include "runtime/logging.hpp"
#include "runtime/run_setup.hpp"
#include "test_support.hpp"

using namespace finetrain;
using namespace finetrain::host;
namespace fs = std::filesystem;

namespace {

using finetrain::testing::error_of;

class RunSetupTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = finetrain::testing::make_temp_dir("config-run"); }
  void TearDown() override {
    configure_logging("info", std::nullopt);  // closes the run's log file
    fs::remove_all(dir_);
  }

  std::string write_run(const std::string& text) {
    std::string path = dir_ + "/run.toml";
    std::ofstream(path) << text;
    return path;
  }

  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  PluginHost host_;  // nothing loaded: no plugin of any kind
};

}  // namespace

TEST_F(RunSetupTest, CliPluginNamesWinOverTheFileAndSet) {
  auto entries = parse_toml_text("model.name = \"from-file\"\ntrainer.name = \"sft\"\n", "run.toml");
  auto set = parse_toml_text("model.name = \"from-set\"\n", "--set model.name=from-set");
  entries.insert(entries.end(), set.begin(), set.end());

  PluginNames from_config = choose_plugin_names("", "", entries);
  EXPECT_EQ(from_config.model->name, "from-set");
  EXPECT_EQ(from_config.trainer->name, "sft");
  EXPECT_EQ(from_config.trainer->source.to_string(), "run.toml:2:16");

  PluginNames from_cli = choose_plugin_names("cli-model", "", entries);
  EXPECT_EQ(from_cli.model->name, "cli-model");
  EXPECT_EQ(from_cli.model->source.to_string(), "--model cli-model");
  EXPECT_FALSE(choose_plugin_names("", "", {}).model);
}

TEST_F(RunSetupTest, PluginNameMustBeAString) {
  auto entries = parse_toml_text("model.name = 3\n", "run.toml");
  EXPECT_EQ(error_of([&] { choose_plugin_names("", "", entries); }),
            "run.toml:1:14: key 'model.name' expects string, got integer 3");
}

TEST_F(RunSetupTest, UnknownPluginListsTheAvailableOnes) {
  std::string run = write_run("model.name = \"ltx-video\"\n");
  EXPECT_EQ(error_of([&] { resolve_run(RunRequest{run}, host_, PluginRequirement::Optional); }),
            run + ":1:14: unknown model plugin 'ltx-video'; available: (none)");
  RunRequest cli{run, "wan", "sft"};
  EXPECT_EQ(error_of([&] { resolve_run(cli, host_, PluginRequirement::Optional); }),
            "--model wan: unknown model plugin 'wan'; available: (none)");
  RunRequest trainer_only{run, "", "sft"};
  trainer_only.overrides = {"model.name="};  // an empty name is a name too
  EXPECT_EQ(error_of([&] { resolve_run(trainer_only, host_, PluginRequirement::Optional); }),
            "--set model.name=: unknown model plugin ''; available: (none)");
}

TEST_F(RunSetupTest, TrainingNeedsAModelAndATrainer) {
  std::string run = write_run("");
  EXPECT_EQ(error_of([&] { set_up_run(RunRequest{run}, host_); }),
            "no model plugin chosen: pass --model NAME or set model.name; available: (none)");
  EXPECT_EQ(error_of([&] {
              set_up_run(RunRequest{run, "wan"}, host_);
            }),
            "no trainer plugin chosen: pass --trainer NAME or set trainer.name; available: (none)");
}

TEST_F(RunSetupTest, WithoutPluginsTheCoreKeysAreValidated) {
  std::string run = write_run("output_dir = \"out\"\n[runtime]\nthreads = 2\n");
  RunRequest request{run};
  request.overrides = {"runtime.log_level=debug", "output_dir=elsewhere"};
  ResolvedRun resolved = resolve_run(request, host_, PluginRequirement::Optional);
  EXPECT_EQ(resolved.options.get_string("output_dir"), "elsewhere");
  EXPECT_EQ(resolved.options.get_int("runtime.threads"), 2);
  EXPECT_EQ(resolved.options.get_string("runtime.log_level"), "debug");
  EXPECT_FALSE(resolved.plugins.model);
  EXPECT_EQ(resolved.plugins.schema.keys().size(), core_config_schema().keys().size());

  RunRequest bad{write_run("[runtime]\nthreds = 2\n")};
  bad.overrides = {"runtime.threads=x"};
  EXPECT_EQ(error_of([&] { resolve_run(bad, host_, PluginRequirement::Optional); }),
            run +
                ":2:1: unknown key 'runtime.threds' (did you mean 'runtime.threads'?)\n"
                "--set runtime.threads=x: key 'runtime.threads' expects integer, got string \"x\"");
}

TEST_F(RunSetupTest, EnvironmentCreatesOutputsLogsThreadsAndResolvedConfig) {
  ConfigSchema schema = core_config_schema();
  const std::string out = dir_ + "/nested/out";
  Options options = validate_config(
      schema,
      parse_toml_text("output_dir = \"" + out + "\"\n[runtime]\nthreads = 2\nlog_level = \"warn\"\n", "run.toml"),
      "run.toml");

  RunEnvironment env = prepare_run_environment(options, schema, std::string("debug"));
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_EQ(env.output_dir, fs::path(out));
  EXPECT_EQ(env.intra_op_threads, 2);
  EXPECT_EQ(at::get_num_threads(), 2);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);  // --log-level beats runtime.log_level

  spdlog::debug("a debug line for the log file");
  std::string log = read(env.log_file);
  EXPECT_EQ(env.log_file, fs::path(out) / "finetrain.log");
  EXPECT_NE(log.find("intra-op threads: 2"), std::string::npos) << log;
  EXPECT_NE(log.find("a debug line for the log file"), std::string::npos) << log;

  EXPECT_EQ(env.resolved_config, fs::path(out) / "training_config.toml");
  std::string written = read(env.resolved_config);
  EXPECT_EQ(written, write_resolved_config(options, schema));
  Options back = validate_config(schema, parse_toml_text(written, "training_config.toml"), "training_config.toml");
  EXPECT_EQ(back.values(), options.values());
}

TEST_F(RunSetupTest, EnvironmentUsesConfigLogLevelAndAllCores) {
  ConfigSchema schema = core_config_schema();
  Options options = validate_config(
      schema, parse_toml_text("output_dir = \"" + dir_ + "/o\"\nruntime.log_level = \"warn\"\n", "run.toml"),
      "run.toml");
  RunEnvironment env = prepare_run_environment(options, schema, std::nullopt);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
  EXPECT_EQ(env.intra_op_threads, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ(at::get_num_threads(), env.intra_op_threads);
}

TEST_F(RunSetupTest, OutputDirThatIsAFileIsAnError) {
  ConfigSchema schema = core_config_schema();
  std::ofstream(dir_ + "/taken") << "x";
  Options options =
      validate_config(schema, parse_toml_text("output_dir = \"" + dir_ + "/taken\"\n", "run.toml"), "run.toml");
  EXPECT_EQ(error_of([&] {
              prepare_run_environment(options, schema, std::nullopt);
            }).rfind("output_dir '" + dir_ + "/taken': cannot create the directory: ", 0),
            0u);
}

TEST(PluginSchemaTest, PluginKeysJoinTheCoreKeys) {
  ConfigSchema combined = core_config_schema();
  ConfigSchema model;
  model.add_string("model.preset", "tiny", "Preset");
  add_plugin_schema(combined, model, "model plugin 'm'", "model");
  EXPECT_NE(combined.find("model.preset"), nullptr);

  ConfigSchema trainer;
  trainer.add_int("lora.rank", 16, "Rank");  // trainers may declare any section
  add_plugin_schema(combined, trainer, "trainer plugin 't'", "");
  EXPECT_NE(combined.find("lora.rank"), nullptr);
}

TEST(PluginSchemaTest, PluginKeysOutsideTheirSectionOrTwiceAreErrors) {
  ConfigSchema combined = core_config_schema();
  ConfigSchema outside;
  outside.add_int("lora.rank", 16, "Rank");
  auto error = [&](const ConfigSchema& plugin, const std::string& section) -> std::string {
    try {
      add_plugin_schema(combined, plugin, "model plugin 'm'", section);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error(outside, "model"),
            "model plugin 'm' declares configuration key 'lora.rank' outside its section 'model.'");
  ConfigSchema twice;
  twice.add_optional("model.name", ValueType::String, "Again");
  EXPECT_EQ(error(twice, "model"),
            "model plugin 'm' declares configuration key 'model.name', which is already declared");
}
