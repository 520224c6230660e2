// FT-ABI-006 (no exception crosses tier 0), FT-ABI-009 (never unloaded), FT-ABI-013 (duplicate
// names), FT-ABI-014 (one LibTorch), FT-ABI-016 (RTLD_DEEPBIND by manifest flag).
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "abi_fixtures.hpp"
#include "fixture_info.hpp"
#include "plugin_host/loaded_libraries.hpp"
#include "test_support.hpp"

using namespace finetrain::host;
using abi_test::component_of;
using abi_test::expect_host_healthy;
using abi_test::expect_loads;
using abi_test::fixture;
using abi_test::refusal;
using finetrain::testing::error_of;

// The executable's definition of the probe symbol; the plugins' own dependency returns 2.
extern "C" __attribute__((visibility("default"))) int ft_abi_probe_value(void) { return 1; }

namespace {

std::string canonical(const std::string& path) { return std::filesystem::canonical(path).string(); }

// The libtorch_cpu this executable runs on: the file that holds one of its functions.
std::string host_libtorch_cpu() {
  Dl_info where{};
  EXPECT_NE(dladdr(reinterpret_cast<void*>(&at::get_num_threads), &where), 0);
  return canonical(where.dli_fname);
}

int probe_value_of(PluginHost& host, const std::string& component) {
  auto attention = host.create<finetrain::AttentionBackend>(component);
  return attention.call("probe_value", [](finetrain::AttentionBackend& a) {
    auto* info = finetrain::capability<abi_fixture::FixtureInfo>(a);
    if (!info) throw finetrain::Error("no fixture info capability");
    return info->probe_value();
  });
}

}  // namespace

// ---- FT-ABI-006: no exception crosses tier 0 ----

TEST(AbiExceptions, InitThatThrowsIsRefusedWithItsMessage) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "throws_in_init"), "init failed: fixture throws_in_init: init throws on purpose");
  EXPECT_EQ(host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, component_of("throws_in_init")), nullptr);
  expect_host_healthy(host);
}

TEST(AbiExceptions, FactoryThatThrowsReportsThroughItsStatus) {
  PluginHost host;
  expect_loads(host, "throws_in_create");
  EXPECT_EQ(error_of([&] { host.create<finetrain::AttentionBackend>(component_of("throws_in_create")); }),
            "plugin 'abi-throws_in_create': creating attention-backend 'softmax-throws_in_create' failed: "
            "fixture throws_in_create: constructor throws on purpose");
  expect_host_healthy(host);
}

// ---- FT-ABI-009: plugins are never unloaded ----

TEST(AbiLifetime, PluginStaysMappedAfterItsHostIsGoneAndEveryHandleIsClosed) {
  const std::string path = fixture("never_unloaded");
  ft_component_descriptor descriptor{};
  {
    PluginHost host;
    expect_loads(host, "never_unloaded");
    const ComponentInfo* info = host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, component_of("never_unloaded"));
    ASSERT_NE(info, nullptr);
    descriptor = info->descriptor;  // its function pointers point into the plugin
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(handle, nullptr) << "the plugin was unmapped with its host";
  // Close more references than this process ever opened (ours, the host's and any earlier test's):
  // without RTLD_NODELETE one of these dlclose calls unmaps the file; with it they change nothing.
  for (int i = 0; i < 64; ++i) {
    if (dlclose(handle) != 0) break;
    ASSERT_TRUE(is_mapped(path)) << "unmapped after " << i + 1 << " dlclose calls: RTLD_NODELETE is missing";
  }
  Dl_info where{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(descriptor.create), &where), 0);
  EXPECT_EQ(canonical(where.dli_fname), canonical(path));
  // Its code still runs: objects (vtables, deleters) created by it stay valid for the process.
  ft_status* error = nullptr;
  void* object = descriptor.create(descriptor.user_data, &error);
  ASSERT_NE(object, nullptr);
  descriptor.destroy(descriptor.user_data, object);
}

// ---- FT-ABI-013: duplicate names are refused, the first one stays ----

TEST(AbiDuplicates, SecondPluginOfTheSameNameIsRefused) {
  PluginHost host;
  expect_loads(host, "good");
  EXPECT_EQ(refusal(host, "duplicate_name"),
            "duplicate plugin name 'abi-good': already loaded from " + fixture("good"));
  expect_host_healthy(host);
}

TEST(AbiDuplicates, ComponentNameTakenByAnotherPluginIsRefused) {
  PluginHost host;
  expect_loads(host, "good");
  EXPECT_EQ(refusal(host, "duplicate_component"),
            "init failed: duplicate attention-backend name 'softmax-good': already registered by plugin 'abi-good' (" +
                fixture("good") + ")");
  // The name still belongs to the first plugin.
  EXPECT_EQ(host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, "softmax-good")->plugin, "abi-good");
  expect_host_healthy(host);
}

TEST(AbiDuplicates, DirectoryOrderDecidesWhichOneWins) {
  PluginHost host;
  host.load_directories({{abi_test::fixture_dir(), "test"}});
  // ft_attention_abi_duplicate_name.so sorts before ft_attention_abi_good.so.
  int seen = 0;
  for (const PluginStatus& s : host.statuses()) {
    if (s.path == fixture("duplicate_name")) {
      EXPECT_TRUE(s.loaded) << s.error;
      ++seen;
    }
    if (s.path == fixture("good")) {
      EXPECT_EQ(s.error, "duplicate plugin name 'abi-good': already loaded from " + fixture("duplicate_name"));
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
}

// ---- FT-ABI-014: one LibTorch per process ----

TEST(AbiLibTorch, PluginMappingASecondLibTorchIsRefused) {
  const std::string expected = "maps a second LibTorch: libtorch_cpu.so is mapped twice: " + host_libtorch_cpu() +
                               " and " + canonical(FT_ABI_FAKE_LIBTORCH);
  {
    PluginHost host;
    EXPECT_EQ(refusal(host, "second_libtorch"), expected);
    // The refused plugin's copy stays mapped (never unloaded) but is not held against later plugins.
    expect_host_healthy(host);
  }
  // A later host of the same process: dlopen maps nothing new this time, the file is still refused.
  PluginHost later;
  EXPECT_EQ(refusal(later, "second_libtorch"), expected);
  expect_host_healthy(later);
}

// ---- FT-ABI-016: RTLD_DEEPBIND when the manifest asks for it ----

TEST(AbiDeepBind, ManifestFlagMakesThePluginPreferItsOwnDependencies) {
  PluginHost host;
  expect_loads(host, "probe");
  expect_loads(host, "deepbind");
  EXPECT_EQ(read_manifest(fixture("deepbind")).flags, FT_MANIFEST_FLAG_DEEPBIND);
  // Without the flag the process's global scope (this executable) wins; with it, the plugin's own library.
  EXPECT_EQ(probe_value_of(host, component_of("probe")), 1);
  EXPECT_EQ(probe_value_of(host, component_of("deepbind")), 2);
  expect_host_healthy(host);
}
