// `cmake --install` of this build is a working SDK and host for third parties: the example plugin
// builds out of tree against it with find_package(finetrain_sdk) + ft_add_plugin(), and the
// installed host lists and instantiates it from every kind of search-path entry.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using finetrain::testing::run_command;
using nlohmann::json;

const fs::path kRoot = FT_INSTALL_TEST_DIR;
const fs::path kSdkPrefix = kRoot / "sdk-prefix";        // cmake --install <build>
const fs::path kPluginPrefix = kRoot / "plugin-prefix";  // the example installed on its own
const fs::path kHostPrefix = kRoot / "host-prefix";      // SDK + host + the example in its plugin dir
const fs::path kExampleBuild = kRoot / "example-build";  // kept between runs: incremental rebuilds
const std::string kPluginFile = "ft_model_toy_pixel.so";

std::string shell_quoted(const fs::path& p) { return "'" + p.string() + "'"; }

fs::path plugin_dir(const fs::path& prefix) { return prefix / FT_PLUGIN_INSTALL_DIR; }
fs::path host_executable(const fs::path& prefix) { return prefix / FT_BIN_INSTALL_DIR / "finetrain"; }
fs::path sdk_library(const fs::path& prefix) { return prefix / FT_LIB_INSTALL_DIR / "libfinetrain_sdk.so.0"; }

struct Result {
  int rc;
  std::string out;  // stdout only; stderr goes to <root>/last-stderr.txt and is appended on failure
};

Result run(const std::string& command, int timeout_seconds = 60) {
  const fs::path err = kRoot / "last-stderr.txt";
  Result r;
  r.rc = run_command(command + " 2>" + shell_quoted(err), &r.out, timeout_seconds);
  if (r.rc != 0) {
    std::ifstream in(err);
    std::stringstream text;
    text << in.rdbuf();
    r.out += "\n[stderr]\n" + text.str();
  }
  return r;
}

json parse_json(const Result& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "):\n" << r.out;
    return json();
  }
}

// The path ldd resolves `library` to for `binary`, canonical; empty when not found.
std::string resolved_library(const fs::path& binary, const std::string& library) {
  Result r = run("env -u LD_LIBRARY_PATH ldd " + shell_quoted(binary));
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto arrow = line.find("=>");
    if (line.find(library) == std::string::npos || arrow == std::string::npos) continue;
    std::string path = line.substr(arrow + 3, line.find(" (") - arrow - 3);
    std::error_code ec;
    fs::path canonical = fs::canonical(path, ec);
    return ec ? path : canonical.string();
  }
  return "";
}

std::string runpath(const fs::path& binary) {
  Result r = run("readelf -d " + shell_quoted(binary) + " | sed -n 's/.*(RUNPATH).*\\[\\(.*\\)\\]/\\1/p'");
  return r.out.substr(0, r.out.find('\n'));
}

class InstallTreeTest : public ::testing::Test {
 protected:
  // Installs the main build twice, builds the example against the first, installs it on its own
  // and into the second. Runs once for the whole suite (one process).
  static void SetUpTestSuite() {
    for (const auto& dir : {kSdkPrefix, kPluginPrefix, kHostPrefix}) fs::remove_all(dir);
    fs::create_directories(kRoot);
    const std::string build = shell_quoted(finetrain::testing::binary_dir());
    const std::string cmake = shell_quoted(FT_CMAKE_COMMAND);
    std::string configure =
        cmake + " -S " + shell_quoted(FT_EXAMPLE_SOURCE_DIR) + " -B " + shell_quoted(kExampleBuild) + " -G '" +
        FT_CMAKE_GENERATOR + "' -DCMAKE_PREFIX_PATH=" + shell_quoted(kSdkPrefix) +
        " -DCMAKE_BUILD_TYPE=" + FT_BUILD_TYPE + " -DCMAKE_CXX_COMPILER=" + shell_quoted(FT_CXX_COMPILER);
    if (std::string(FT_CCACHE).size()) configure += " -DCMAKE_CXX_COMPILER_LAUNCHER=" + shell_quoted(FT_CCACHE);
    const std::pair<std::string, std::pair<std::string, int>> steps[] = {
        {"install the main build", {cmake + " --install " + build + " --prefix " + shell_quoted(kSdkPrefix), 120}},
        {"configure the example", {configure, 120}},
        // A cold build compiles a few LibTorch translation units; ccache makes reruns quick.
        {"build the example", {cmake + " --build " + shell_quoted(kExampleBuild), 420}},
        {"install the example alone",
         {cmake + " --install " + shell_quoted(kExampleBuild) + " --prefix " + shell_quoted(kPluginPrefix), 60}},
        {"install the main build again",
         {cmake + " --install " + build + " --prefix " + shell_quoted(kHostPrefix), 120}},
        {"install the example into it",
         {cmake + " --install " + shell_quoted(kExampleBuild) + " --prefix " + shell_quoted(kHostPrefix), 60}},
    };
    for (const auto& [what, step] : steps) {
      Result r = run(step.first, step.second);
      if (r.rc != 0) {
        setup_error_ = what + " failed (exit " + std::to_string(r.rc) + (r.rc == 124 ? ", timed out" : "") + "):\n$ " +
                       step.first + "\n" + r.out;
        return;
      }
    }
  }

  void SetUp() override {
    if (!setup_error_.empty()) GTEST_FAIL() << setup_error_;
  }

  // `plugins check --json` must succeed and report toy-pixel, loaded from `expected_dir`.
  static void expect_check_instantiates_plugin(const Result& r, const fs::path& expected_dir) {
    ASSERT_EQ(r.rc, 0) << r.out;
    json j = parse_json(r);
    EXPECT_EQ(j.value("ok", false), true) << r.out;
    bool found_plugin = false, found_component = false;
    for (const auto& p : j["plugins"]) {
      if (p["name"] != "toy-pixel") continue;
      found_plugin = true;
      EXPECT_EQ(p["file"], (expected_dir / kPluginFile).string());
      EXPECT_TRUE(p["loaded"].get<bool>()) << p.dump();
    }
    for (const auto& c : j["components"]) {
      if (c["name"] != "toy-pixel") continue;
      found_component = true;
      EXPECT_EQ(c["kind"], "model");
      EXPECT_EQ(c["interface"], "finetrain.ModelSpec");
      EXPECT_EQ(c["interface_version"], 1);
      EXPECT_TRUE(c["ok"].get<bool>()) << c.dump();
    }
    EXPECT_TRUE(found_plugin) << r.out;
    EXPECT_TRUE(found_component) << r.out;
  }

  // `plugins --json` lists toy-pixel from `expected_dir` as compatible.
  static void expect_listed_compatible(const Result& r, const fs::path& expected_dir) {
    ASSERT_EQ(r.rc, 0) << r.out;
    json j = parse_json(r);
    bool found = false;
    for (const auto& p : j) {
      if (p.value("name", "") != "toy-pixel") continue;
      found = true;
      EXPECT_EQ(p["file"], (expected_dir / kPluginFile).string());
      EXPECT_TRUE(p["compatible"].get<bool>()) << p.dump();
      EXPECT_EQ(p["kind"], "model");
    }
    EXPECT_TRUE(found) << r.out;
  }

  static std::string setup_error_;
};

std::string InstallTreeTest::setup_error_;

TEST_F(InstallTreeTest, HasTheHostTheSdkItsHeadersAndTheCMakePackage) {
  const fs::path lib = kSdkPrefix / FT_LIB_INSTALL_DIR;
  const fs::path include = kSdkPrefix / FT_INCLUDE_INSTALL_DIR / "finetrain";
  const fs::path package = lib / "cmake" / "finetrain_sdk";
  for (const fs::path& p :
       {host_executable(kSdkPrefix), sdk_library(kSdkPrefix), lib / "libfinetrain_sdk.so", include / "abi.h",
        include / "manifest.h", include / "host_api.h", include / "plugin.hpp", include / "model_spec.hpp",
        include / "build_config.h", package / "finetrain_sdkConfig.cmake", package / "finetrain_sdkConfigVersion.cmake",
        package / "finetrain_sdkTargets.cmake", package / "FinetrainPlugin.cmake", package / "plugin_exports.map"})
    EXPECT_TRUE(fs::exists(p)) << p;
  EXPECT_TRUE(fs::is_directory(plugin_dir(kSdkPrefix)))
      << "the host's plugin dir exists before any plugin is installed";
}

TEST_F(InstallTreeTest, InstalledHostRunsOnTheInstalledSdkOnly) {
  const fs::path host = host_executable(kSdkPrefix);
  EXPECT_EQ(resolved_library(host, "libfinetrain_sdk.so"), fs::canonical(sdk_library(kSdkPrefix)).string());
  const std::string rpath = runpath(host);
  EXPECT_EQ(rpath.rfind("$ORIGIN/", 0), 0u) << rpath;
  EXPECT_EQ(rpath.find(finetrain::testing::binary_dir()), std::string::npos) << "points into the build tree: " << rpath;
  Result version = run("env -u LD_LIBRARY_PATH " + shell_quoted(host) + " --version");
  EXPECT_EQ(version.rc, 0) << version.out;
  EXPECT_NE(version.out.find("fingerprint abi="), std::string::npos) << version.out;
}

TEST_F(InstallTreeTest, ExamplePluginExportsOnlyTheTierZeroEntryPoints) {
  Result r = run("nm -D --defined-only " + shell_quoted(plugin_dir(kPluginPrefix) / kPluginFile) +
                 " | awk '$2 != \"A\" {print $3}'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::set<std::string> symbols;
  std::istringstream lines(r.out);
  for (std::string s; lines >> s;) symbols.insert(s.substr(0, s.find('@')));
  EXPECT_EQ(symbols, (std::set<std::string>{"ft_plugin_init", "ft_plugin_negotiate"}));
}

TEST_F(InstallTreeTest, PluginInstalledIntoTheHostPrefixFindsTheSdkNextToIt) {
  const fs::path plugin = plugin_dir(kHostPrefix) / kPluginFile;
  EXPECT_EQ(runpath(plugin).rfind("$ORIGIN/../..", 0), 0u) << runpath(plugin);
  EXPECT_EQ(resolved_library(plugin, "libfinetrain_sdk.so"), fs::canonical(sdk_library(kHostPrefix)).string());
}

TEST_F(InstallTreeTest, PluginsListShowsItCompatibleThroughFinetrainPluginPath) {
  const fs::path dir = plugin_dir(kPluginPrefix);
  expect_listed_compatible(run("env FINETRAIN_PLUGIN_PATH=" + shell_quoted(dir) + " " +
                               shell_quoted(host_executable(kSdkPrefix)) + " plugins --json"),
                           dir);
}

TEST_F(InstallTreeTest, PluginsListShowsItCompatibleThroughPluginPathBeforeAndAfterTheVerb) {
  const fs::path dir = plugin_dir(kPluginPrefix);
  const std::string host = "env -u FINETRAIN_PLUGIN_PATH " + shell_quoted(host_executable(kSdkPrefix));
  expect_listed_compatible(run(host + " --plugin-path " + shell_quoted(dir) + " plugins --json"), dir);
  expect_listed_compatible(run(host + " plugins list --json --plugin-path " + shell_quoted(dir)), dir);
}

TEST_F(InstallTreeTest, PluginsCheckInstantiatesItThroughFinetrainPluginPath) {
  const fs::path dir = plugin_dir(kPluginPrefix);
  expect_check_instantiates_plugin(run("env FINETRAIN_PLUGIN_PATH=" + shell_quoted(dir) + " " +
                                       shell_quoted(host_executable(kSdkPrefix)) + " plugins check --json"),
                                   dir);
}

TEST_F(InstallTreeTest, PluginsCheckInstantiatesItThroughPluginPath) {
  const fs::path dir = plugin_dir(kPluginPrefix);
  expect_check_instantiates_plugin(run("env -u FINETRAIN_PLUGIN_PATH " + shell_quoted(host_executable(kSdkPrefix)) +
                                       " plugins check --json --plugin-path " + shell_quoted(dir)),
                                   dir);
}

TEST_F(InstallTreeTest, PluginsCheckInstantiatesItFromTheHostsOwnPluginDir) {
  expect_check_instantiates_plugin(
      run("env -u FINETRAIN_PLUGIN_PATH " + shell_quoted(host_executable(kHostPrefix)) + " plugins check --json"),
      fs::canonical(plugin_dir(kHostPrefix)));
}

}  // namespace
