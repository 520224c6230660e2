// FT-ABI-004 (plugins export only the entry points), FT-ABI-011 (interface vtables live in the
// SDK), FT-ABI-012 (interfaces do not grow virtuals). Read from the built files with nm.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "abi_fixtures.hpp"
#include "finetrain/attention_backend.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/parallel_backend.hpp"
#include "finetrain/trainer.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using abi_test::nm_symbols;

namespace {

// Every plugin this build produced: the real ones and the ABI fixtures.
std::vector<std::string> built_plugins() {
  std::vector<std::string> files;
  for (const std::string& dir : {finetrain::testing::plugin_dir(), abi_test::fixture_dir()}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool has_symbol(const std::vector<abi_test::NmSymbol>& symbols, const std::string& name) {
  return std::any_of(symbols.begin(), symbols.end(), [&](const abi_test::NmSymbol& s) { return s.name == name; });
}

}  // namespace

// ---- FT-ABI-004: plugins export the tier-0 entry points and nothing else ----

TEST(AbiSymbols, PluginsExportOnlyTheEntryPoints) {
  const std::set<std::string> entry_points = {"ft_plugin_negotiate", "ft_plugin_init"};
  const std::vector<std::string> plugins = built_plugins();
  ASSERT_TRUE(std::find(plugins.begin(), plugins.end(), abi_test::fixture("good")) != plugins.end());
  for (const std::string& plugin : plugins) {
    std::set<std::string> exported;
    for (const auto& s : nm_symbols("-D --defined-only", plugin)) {
      // The version script's node: the linker defines it as an absolute symbol (type A, value 0)
      // naming the symbol version the entry points carry. It is no code and no data.
      if (s.type == 'A' && s.name == "FINETRAIN_PLUGIN_1") continue;
      exported.insert(s.name);
      EXPECT_TRUE(entry_points.count(s.name)) << plugin << " exports " << s.name << " (type " << s.type << ")";
    }
    EXPECT_EQ(exported, entry_points) << plugin;
  }
}

TEST(AbiSymbols, FixturesNeverLandInTheRealPluginDirectory) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(finetrain::testing::plugin_dir(), ec))
    EXPECT_EQ(entry.path().filename().string().find("ft_attention_abi_"), std::string::npos) << entry.path();
  EXPECT_NE(fs::canonical(abi_test::fixture_dir()), fs::weakly_canonical(finetrain::testing::plugin_dir()));
}

// ---- FT-ABI-011: interface destructors are out of line, so vtables and typeinfo live in the SDK ----

TEST(AbiSymbols, InterfaceVtablesAndTypeinfoLiveInTheSdk) {
  const auto sdk = nm_symbols("-D --defined-only", FT_ABI_SDK_LIBRARY);
  for (const char* type :
       {"9Component", "9ModelSpec", "7Trainer", "15ParallelBackend", "16AttentionBackend", "9Tokenizer",
        "12HostServices", "16StateDictAdapter", "15ParityComponent", "10BlockHooks", "5Error"}) {
    EXPECT_TRUE(has_symbol(sdk, std::string("_ZTVN9finetrain") + type + "E")) << "vtable for finetrain::" << type;
    EXPECT_TRUE(has_symbol(sdk, std::string("_ZTIN9finetrain") + type + "E")) << "typeinfo for finetrain::" << type;
  }
  // The plugin takes the interface's typeinfo from the SDK instead of carrying a copy of its own.
  const auto imported = nm_symbols("-D --undefined-only", abi_test::fixture("good"));
  EXPECT_TRUE(has_symbol(imported, "_ZTIN9finetrain16AttentionBackendE"));
  EXPECT_TRUE(has_symbol(imported, "_ZN9finetrain16AttentionBackendD2Ev"));
}

// ---- FT-ABI-012: an interface version's virtual functions are frozen ----

TEST(AbiSymbols, InterfaceVtablesKeepTheSizeOfTheirVersion) {
  // Adding a virtual to a published interface breaks every plugin built before it: add a small
  // capability interface instead (component.hpp), or publish a new interface version and pin it.
  // Slots = the vtable's entries after offset-to-top and typeinfo; the destructor takes two.
  struct Pin {
    const char* symbol;
    finetrain::InterfaceInfo interface;
    uint64_t slots;
  };
  const std::vector<Pin> pins = {
      {"_ZTVN9finetrain9ComponentE", {"finetrain.Component", 1}, 4},
      {"_ZTVN9finetrain9ModelSpecE", finetrain::ModelSpec::kInterface, 20},
      {"_ZTVN9finetrain7TrainerE", finetrain::Trainer::kInterface, 9},
      {"_ZTVN9finetrain15ParallelBackendE", finetrain::ParallelBackend::kInterface, 16},
      {"_ZTVN9finetrain16AttentionBackendE", finetrain::AttentionBackend::kInterface, 8},
  };
  std::map<std::string, uint64_t> bytes;
  for (const auto& s : nm_symbols("-D -S --defined-only", FT_ABI_SDK_LIBRARY)) bytes[s.name] = s.size;
  for (const Pin& pin : pins) {
    ASSERT_TRUE(bytes.count(pin.symbol)) << pin.symbol;
    EXPECT_EQ(pin.interface.version, 1u) << pin.interface.name << ": a new version needs its own pin";
    EXPECT_EQ(bytes[pin.symbol] / sizeof(void*) - 2, pin.slots)
        << pin.interface.name << " v" << pin.interface.version << " changed its virtual functions";
  }
}
