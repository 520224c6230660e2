// FT-ABI-017: the same plugin source builds into the host (FT_PLUGINS_DL=OFF). This executable
// links fixture_plugin.cpp compiled with FT_PLUGIN_STATIC_ID=abi_static, as ft_add_plugin() does
// in a static build, and hands the host the table entry ft_link_static_plugins() would generate.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "abi_fixtures.hpp"
#include "plugin_host/static_plugins.hpp"

using namespace finetrain::host;

// The suffixed symbols: if the fixture had defined the plain names, this would not link.
extern "C" const ft_manifest ft_plugin_manifest_abi_static;
extern "C" ft_status* ft_plugin_negotiate_abi_static(uint16_t, uint16_t, uint16_t*, uint16_t*);
extern "C" ft_status* ft_plugin_init_abi_static(const ft_host_api*);

namespace {

const StaticPlugin kEntry{"abi_static", &ft_plugin_manifest_abi_static, &ft_plugin_negotiate_abi_static,
                          &ft_plugin_init_abi_static};

}  // namespace

TEST(AbiStatic, HostInitialisesAStaticPluginFromItsTableEntry) {
  PluginHost host;
  const PluginStatus& status = host.load_static_plugin(kEntry);
  ASSERT_TRUE(status.loaded) << status.error;
  EXPECT_EQ(status.path, "(static) abi_static");
  EXPECT_EQ(status.manifest->name, "abi-static");
  EXPECT_EQ(status.components, (std::vector<std::string>{"attention-backend softmax-static"}));
  EXPECT_EQ(host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, "softmax-static")->file, "(static)");
  abi_test::expect_component_computes(host, "softmax-static");
  // Static and loadable plugins share one registry.
  abi_test::expect_host_healthy(host);
}

TEST(AbiStatic, StaticPluginPassesTheSameAdmission) {
  PluginHost host;
  ASSERT_TRUE(host.load_static_plugin(kEntry).loaded);
  const PluginStatus& twice = host.load_static_plugin(kEntry);
  EXPECT_FALSE(twice.loaded);
  EXPECT_EQ(twice.error, "duplicate plugin name 'abi-static': already loaded from (static) abi_static");
}

TEST(AbiStatic, OnlySuffixedEntrySymbolsAreInTheExecutable) {
  std::set<std::string> names;
  const std::string executable = std::filesystem::read_symlink("/proc/self/exe").string();
  for (const auto& s : abi_test::nm_symbols("--defined-only", executable)) names.insert(s.name);
  for (const char* base : {"ft_plugin_manifest", "ft_plugin_negotiate", "ft_plugin_init"}) {
    EXPECT_TRUE(names.count(std::string(base) + "_abi_static")) << base;
    EXPECT_FALSE(names.count(base)) << base << " without suffix would clash with a second static plugin";
  }
}
