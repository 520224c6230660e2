// `finetrain config check|explain`, run as a user runs them: the built binary on temp files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/core_schema.hpp"
#include "test_support.hpp"

using namespace finetrain;
namespace fs = std::filesystem;

namespace {

class ConfigCliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = finetrain::testing::make_temp_dir("config-cli"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Runs `finetrain ARGS`; stdout and stderr kept apart.
  int finetrain(const std::string& args) {
    std::string ignored;
    return finetrain::testing::run_command(
        finetrain::testing::finetrain_executable() + " " + args + " >" + dir_ + "/stdout 2>" + dir_ + "/stderr",
        &ignored, 60);
  }
  std::string out() const { return read(dir_ + "/stdout"); }
  std::string err() const { return read(dir_ + "/stderr"); }

  std::string dir_;
};

}  // namespace

TEST_F(ConfigCliTest, CheckReportsAMisspelledKeyWithFileLineAndColumn) {
  std::string run = write("run.toml", "output_dir = \"x\"\n[runtime]\nthread = 2\n");
  EXPECT_EQ(finetrain("config check " + run), 1);
  EXPECT_EQ(err(), run + ":3:1: unknown key 'runtime.thread' (did you mean 'runtime.threads'?)\n");
  EXPECT_EQ(out(), "");
}

TEST_F(ConfigCliTest, CheckReportsEveryProblemAndBadOverrides) {
  std::string run = write("run.toml", "[runtime]\nlog_level = \"loud\"\n");
  EXPECT_EQ(finetrain("config check " + run + " --set runtime.threads=abc"), 1);
  EXPECT_EQ(err(), run +
                       ":2:13: key 'runtime.log_level' = \"loud\" is not one of trace, debug, info, warn, error\n"
                       "--set runtime.threads=abc: key 'runtime.threads' expects integer, got string \"abc\"\n");
  EXPECT_EQ(finetrain("config check " + run + " --set nonsense"), 1);
  EXPECT_EQ(err(), "--set nonsense: expected key=value\n");
  EXPECT_EQ(finetrain("config check " + dir_ + "/missing.toml"), 1);
  EXPECT_EQ(err(), dir_ + "/missing.toml: cannot read: No such file or directory\n");
}

TEST_F(ConfigCliTest, CheckPrintsTheResolvedConfigWhichChecksAgainUnchanged) {
  std::string run = write("run.toml", "output_dir = \"my \\\"out\\\"\"\n");
  // --set before and after the run file.
  ASSERT_EQ(finetrain("config check --set runtime.threads=3 " + run + " --set runtime.log_level=warn"), 0) << err();
  std::string resolved = out();
  EXPECT_NE(resolved.find("output_dir = \"my \\\"out\\\"\"\n"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("[runtime]\nthreads = 3\nlog_level = \"warn\"\n"), std::string::npos) << resolved;
  EXPECT_EQ(err(), "");

  std::string again = write("resolved.toml", resolved);
  ASSERT_EQ(finetrain("config check " + again), 0) << err();
  EXPECT_EQ(out(), resolved);
}

TEST_F(ConfigCliTest, CheckRefusesUnknownPluginsListingTheAvailableOnes) {
  std::string run = write("run.toml", "model.name = \"no-such-model\"\n");
  EXPECT_EQ(finetrain("config check " + run), 1);
  EXPECT_EQ(err().rfind(run + ":1:14: unknown model plugin 'no-such-model'; available: ", 0), 0u) << err();
  EXPECT_EQ(finetrain("config check " + run + " --trainer no-such-trainer --model no-such-model"), 1);
  EXPECT_EQ(err().rfind("--model no-such-model: unknown model plugin 'no-such-model'; available: ", 0), 0u) << err();
}

TEST_F(ConfigCliTest, ExplainListsEveryCoreKeyWithItsDefault) {
  ASSERT_EQ(finetrain("config explain --json"), 0) << err();
  nlohmann::json j = nlohmann::json::parse(out());
  ConfigSchema schema = host::core_config_schema();
  ASSERT_EQ(j["keys"].size(), schema.keys().size());
  for (const nlohmann::json& key : j["keys"]) {
    const OptionSpec* spec = schema.find(key["key"].get<std::string>());
    ASSERT_NE(spec, nullptr) << key.dump();
    if (std::holds_alternative<std::monostate>(spec->default_value)) {
      EXPECT_TRUE(key["default"].is_null()) << spec->key;
    } else {
      EXPECT_EQ(key["default"].dump(), nlohmann::json::parse(to_toml_literal(spec->default_value)).dump()) << spec->key;
    }
  }

  ASSERT_EQ(finetrain("config explain"), 0) << err();
  std::string text = out();
  for (const OptionSpec& spec : schema.keys())
    EXPECT_NE(text.find("  " + spec.key + "  ("), std::string::npos) << spec.key;
  EXPECT_NE(text.find("\nModel plugins available: "), std::string::npos) << text;
  EXPECT_NE(text.find("\nTrainer plugins available: "), std::string::npos) << text;
}

TEST_F(ConfigCliTest, ExplainRefusesAnUnknownPlugin) {
  EXPECT_EQ(finetrain("config explain --model no-such-model"), 1);
  EXPECT_EQ(err().rfind("--model no-such-model: unknown model plugin 'no-such-model'; available: ", 0), 0u) << err();
}
