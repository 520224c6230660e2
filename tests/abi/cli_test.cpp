// `finetrain plugins` lists and checks plugins from their manifests alone (FT-ABI-002): every
// fixture with its exact verdict, and not one line of plugin code run.
#include <gtest/gtest.h>
#include <torch/version.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "abi_fixtures.hpp"
#include "finetrain/abi.h"
#include "plugin_host/plugin_manifest.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using abi_test::fixture;

namespace {

struct CliResult {
  int exit_code;
  std::string output;
};

// Runs `finetrain <arguments>` with only the fixture directory on the plugin path; static
// initialisers of any fixture it loaded would leave a file in `marker_dir`.
CliResult run_finetrain(const std::string& arguments, const std::string& marker_dir) {
  CliResult r;
  r.exit_code = finetrain::testing::run_command("env -u FINETRAIN_PLUGIN_PATH FT_ABI_FIXTURE_MARKER_DIR='" +
                                                    marker_dir + "' '" + finetrain::testing::finetrain_executable() +
                                                    "' " + arguments + " 2>/dev/null",
                                                &r.output, 60);
  return r;
}

std::string host_torch() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

class AbiCli : public ::testing::Test {
 protected:
  void SetUp() override { markers_ = finetrain::testing::make_temp_dir("abi-cli-markers"); }
  void TearDown() override {
    EXPECT_TRUE(fs::is_empty(markers_)) << "plugin code ran: " << fs::directory_iterator(markers_)->path();
    fs::remove_all(markers_);
  }
  std::string markers_;
};

}  // namespace

TEST_F(AbiCli, ListsEveryFixtureWithItsVerdictWithoutRunningPluginCode) {
  const CliResult r = run_finetrain("plugins --json --plugin-path '" + abi_test::fixture_dir() + "'", markers_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json listing = nlohmann::json::parse(r.output);
  std::map<std::string, nlohmann::json> by_file;
  for (const auto& entry : listing) by_file[entry.at("file").get<std::string>()] = entry;

  const std::string minor = std::to_string(FT_ABI_VERSION_MINOR), major = std::to_string(FT_ABI_VERSION_MAJOR);
  // Load-time faults (init throws, a second LibTorch, a bad descriptor) are invisible to a listing
  // that runs no plugin code: those fixtures have sound manifests.
  const std::map<std::string, std::pair<bool, std::string>> expected = {
      {"good", {false, "duplicate plugin name 'abi-good': first found in " + fixture("duplicate_name")}},
      {"duplicate_name", {true, ""}},
      {"never_unloaded", {true, ""}},
      {"older_minor", {true, ""}},
      {"newer_minor",
       {false, "abi minor: plugin " + std::to_string(FT_ABI_VERSION_MINOR + 1) + ", host " + minor +
                   " (the plugin needs a newer host)"}},
      {"wrong_major", {false, "abi major: plugin " + std::to_string(FT_ABI_VERSION_MAJOR + 1) + ", host " + major}},
      {"wrong_torch", {false, "fingerprint torch: plugin 9.9.9, host " + host_torch()}},
      {"negotiate_mismatch", {true, ""}},
      {"no_manifest", {false, "no manifest (section .finetrain_manifest is missing)"}},
      {"bad_magic", {false, "bad manifest magic: plugin \"NOTPLUGN\", host \"FTPLUGIN\""}},
      {"throws_in_init", {true, ""}},
      {"throws_in_create", {true, ""}},
      {"duplicate_component", {true, ""}},
      {"bad_component_name", {true, ""}},
      {"missing_required_field", {true, ""}},
      {"descriptor_too_small", {true, ""}},
      {"descriptor_larger", {true, ""}},
      {"interface_mismatch", {true, ""}},
      {"newer_interface", {true, ""}},
      {"leaks_grad_mode", {true, ""}},
      {"probe", {true, ""}},
      {"deepbind", {true, ""}},
      {"second_libtorch", {true, ""}},
  };
  for (const auto& [variant, verdict] : expected) {
    ASSERT_TRUE(by_file.count(fixture(variant))) << variant << " not listed";
    const nlohmann::json& entry = by_file[fixture(variant)];
    EXPECT_EQ(entry.at("compatible").get<bool>(), verdict.first) << variant;
    EXPECT_EQ(entry.at("reason").get<std::string>(), verdict.second) << variant;
  }
  // Every fixture file is accounted for.
  size_t listed_fixtures = 0;
  for (const auto& [file, entry] : by_file) listed_fixtures += fs::path(file).parent_path() == abi_test::fixture_dir();
  EXPECT_EQ(listed_fixtures, expected.size());

  const nlohmann::json& deepbind = by_file[fixture("deepbind")];
  EXPECT_EQ(deepbind.at("name"), "abi-deepbind");
  EXPECT_EQ(deepbind.at("kind"), "attention-backend");
  EXPECT_EQ(deepbind.at("version"), "1.0.0");
  EXPECT_EQ(deepbind.at("sdk_abi"), major + "." + minor);
  EXPECT_EQ(deepbind.at("flags"), nlohmann::json::array({"deepbind"}));
  EXPECT_EQ(deepbind.at("fingerprint"), finetrain::host::host_fingerprint());
  EXPECT_FALSE(by_file[fixture("no_manifest")].contains("name"));
}

TEST_F(AbiCli, InspectShowsOneFileAndExitsNonZeroWhenIncompatible) {
  CliResult good = run_finetrain("plugins inspect --json '" + fixture("good") + "'", markers_);
  ASSERT_EQ(good.exit_code, 0) << good.output;
  const nlohmann::json j = nlohmann::json::parse(good.output);
  EXPECT_EQ(j.at("name"), "abi-good");
  EXPECT_EQ(j.at("compatible"), true);
  EXPECT_EQ(j.at("host_fingerprint"), j.at("fingerprint"));

  CliResult torch = run_finetrain("plugins inspect --json '" + fixture("wrong_torch") + "'", markers_);
  EXPECT_EQ(torch.exit_code, 1);
  const nlohmann::json t = nlohmann::json::parse(torch.output);
  EXPECT_EQ(t.at("compatible"), false);
  EXPECT_EQ(t.at("reason"), "fingerprint torch: plugin 9.9.9, host " + host_torch());
}

TEST_F(AbiCli, InspectTextNamesTheFieldAndBothValues) {
  CliResult text = run_finetrain("plugins inspect '" + fixture("wrong_torch") + "'", markers_);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.output.find("name:        abi-wrong_torch\n"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("compatible:  no: fingerprint torch: plugin 9.9.9, host " + host_torch() + "\n"),
            std::string::npos)
      << text.output;
}

TEST_F(AbiCli, TableListsTheReasonUnderTheRefusedPlugin) {
  CliResult table = run_finetrain("plugins --plugin-path '" + abi_test::fixture_dir() + "'", markers_);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find(fixture("bad_magic") + "\n    no: bad manifest magic: plugin \"NOTPLUGN\", host "
                                                     "\"FTPLUGIN\"\n"),
            std::string::npos)
      << table.output;
}
