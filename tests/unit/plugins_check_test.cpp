// `finetrain plugins check`: every component is instantiated once through the choke point, and a
// plugin that fails to load or a factory that fails makes the check fail with the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "plugin_host/component_check.hpp"
#include "plugin_host/plugin_host.hpp"
#include "test_support.hpp"

namespace {

using namespace finetrain::host;

void* create_failing(void*, ft_status** error) {
  *error = ft_status_new(FT_STATUS_RUNTIME_ERROR, "weights missing");
  return nullptr;
}
void* create_throwing(void*, ft_status**) { throw std::runtime_error("boom"); }
void destroy_nothing(void*, void*) {}

ft_component_descriptor model_descriptor(const char* name, void* (*create)(void*, ft_status**)) {
  ft_component_descriptor d{};
  d.struct_size = sizeof d;
  d.kind = FT_PLUGIN_KIND_MODEL;
  d.name = name;
  d.version = "1.0";
  d.description = "test";
  d.interface_name = "finetrain.ModelSpec";
  d.interface_version = 1;
  d.create = create;
  d.destroy = destroy_nothing;
  return d;
}

TEST(ComponentCheckTest, ReportsAFailingFactoryWithThePluginAndComponentNamed) {
  PluginHost host;
  host.register_builtin(model_descriptor("broken", &create_failing));
  ComponentCheck check = check_component(host, *host.find(FT_PLUGIN_KIND_MODEL, "broken"));
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.error, "plugin 'core': creating model 'broken' failed: weights missing");
}

TEST(ComponentCheckTest, AnExceptionEscapingAFactoryIsCaughtAtTheChokePoint) {
  PluginHost host;
  host.register_builtin(model_descriptor("throws", &create_throwing));
  ComponentCheck check = check_component(host, *host.find(FT_PLUGIN_KIND_MODEL, "throws"));
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.error, "plugin 'core': create: boom");
}

TEST(ComponentCheckTest, TokenizersAreCheckedAtRegistrationOnly) {
  ft_tokenizer_vtable vt{};
  vt.struct_size = sizeof vt;
  vt.open = [](void*, const char*, void**) -> ft_status* { return nullptr; };
  vt.encode = [](void*, const char*, size_t, int64_t*, size_t, size_t*) -> ft_status* { return nullptr; };
  vt.decode = [](void*, const int64_t*, size_t, char*, size_t, size_t*) -> ft_status* { return nullptr; };
  vt.piece_to_id = [](void*, const char*) -> int64_t { return -1; };
  vt.vocab_size = [](void*) -> int64_t { return 0; };
  vt.close = [](void*) {};
  ft_component_descriptor d{};
  d.struct_size = sizeof d;
  d.kind = FT_PLUGIN_KIND_TOKENIZER;
  d.name = "words";
  d.c_vtable = &vt;
  PluginHost host;
  host.register_builtin(d);
  ComponentCheck check = check_component(host, *host.find(FT_PLUGIN_KIND_TOKENIZER, "words"));
  EXPECT_TRUE(check.ok) << check.error;
  EXPECT_NE(check.detail.find("plain-C"), std::string::npos) << check.detail;
}

TEST(PluginsCheckCommandTest, AFileThatIsNoPluginFailsTheCheck) {
  namespace fs = std::filesystem;
  const fs::path dir = finetrain::testing::make_temp_dir("plugins-check");
  std::ofstream(dir / "not_a_plugin.so") << "garbage";
  const std::string host = "env -u FINETRAIN_PLUGIN_PATH '" + finetrain::testing::finetrain_executable() + "'";

  std::string out;
  int rc = finetrain::testing::run_command(
      host + " plugins check --json --plugin-path '" + dir.string() + "' 2>/dev/null", &out, 60);
  EXPECT_EQ(rc, 1) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_FALSE(j["ok"].get<bool>());
  bool found = false;
  for (const auto& p : j["plugins"]) {
    if (p["file"] != (dir / "not_a_plugin.so").string()) continue;
    found = true;
    EXPECT_FALSE(p["loaded"].get<bool>());
    EXPECT_EQ(p["error"], "not an ELF file");
  }
  EXPECT_TRUE(found) << out;

  rc = finetrain::testing::run_command(host + " --plugin-path '" + dir.string() + "' plugins check 2>/dev/null", &out,
                                       60);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("FAILED  " + (dir / "not_a_plugin.so").string() + ": not an ELF file"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace
