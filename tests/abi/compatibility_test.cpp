// FT-ABI-002 (manifest), FT-ABI-003 (fingerprint and compatibility), FT-ABI-005 (negotiation).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/version.h>

#include <cstdlib>
#include <filesystem>

#include "abi_fixtures.hpp"
#include "finetrain/manifest.h"
#include "finetrain/plugin.hpp"
#include "plugin_host/loaded_libraries.hpp"
#include "plugin_host/plugin_manifest.hpp"
#include "test_support.hpp"

using namespace finetrain::host;
using abi_test::expect_host_healthy;
using abi_test::expect_loads;
using abi_test::fixture;
using abi_test::refusal;

namespace {

const std::string kHostTorch = fmt::format("{}.{}.{}", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH);

}  // namespace

// ---- FT-ABI-002: the manifest lives in its own ELF section, read without loading the file ----

TEST(AbiManifest, IsReadFromTheFileWithoutRunningPluginCode) {
  const std::string markers = finetrain::testing::make_temp_dir("abi-markers");
  ASSERT_EQ(setenv("FT_ABI_FIXTURE_MARKER_DIR", markers.c_str(), 1), 0);
  const std::string path = fixture("good");
  ASSERT_FALSE(is_mapped(path)) << "this test needs a process that has not loaded the fixture (ctest runs one test "
                                   "per process)";

  const ManifestInfo m = read_manifest(path);
  EXPECT_EQ(m.name, "abi-good");
  EXPECT_EQ(m.version, "1.0.0");
  EXPECT_EQ(m.description, "ABI test fixture good");
  EXPECT_EQ(m.kind, static_cast<uint32_t>(FT_PLUGIN_KIND_ATTENTION_BACKEND));
  EXPECT_EQ(m.abi_major, FT_ABI_VERSION_MAJOR);
  EXPECT_EQ(m.abi_minor, FT_ABI_VERSION_MINOR);
  EXPECT_EQ(m.flags, 0u);
  EXPECT_FALSE(is_mapped(path)) << "reading the manifest mapped the plugin";
  EXPECT_TRUE(std::filesystem::is_empty(markers)) << "reading the manifest ran the plugin's static initialisers";

  // Control: loading does run them, so the marker would have shown a load above.
  PluginHost host;
  expect_loads(host, "good");
  EXPECT_TRUE(is_mapped(path));
  EXPECT_TRUE(std::filesystem::exists(markers + "/good.loaded"));
  std::filesystem::remove_all(markers);
}

TEST(AbiManifest, FileWithoutManifestSectionIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "no_manifest"), "no manifest (section .finetrain_manifest is missing)");
  EXPECT_FALSE(is_mapped(fixture("no_manifest")));
  expect_host_healthy(host);
}

TEST(AbiManifest, BadMagicIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "bad_magic"), "bad manifest magic: plugin \"NOTPLUGN\", host \"FTPLUGIN\"");
  EXPECT_FALSE(is_mapped(fixture("bad_magic")));
  expect_host_healthy(host);
}

TEST(AbiManifest, MalformedFilesAreRefusedWithOneLineNamingTheProblem) {
  const std::string seeds = finetrain::testing::source_dir() + "/tests/fuzz/corpus/elf_manifest/";
  auto error_of = [](const std::string& path) {
    try {
      read_manifest(path);
    } catch (const finetrain::Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of(seeds + "not_elf.txt"), seeds + "not_elf.txt: not an ELF file");
  EXPECT_EQ(error_of(seeds + "elf32_header.bin"),
            seeds + "elf32_header.bin: unsupported ELF (only 64-bit little-endian is supported)");
  EXPECT_EQ(error_of(seeds + "truncated_header.bin"),
            seeds + "truncated_header.bin: malformed ELF: ELF header at offset 0 is outside the file (40 bytes)");
  EXPECT_EQ(error_of(seeds + "plugin_without_manifest.so"),
            seeds + "plugin_without_manifest.so: no manifest (section .finetrain_manifest is missing)");
  EXPECT_EQ(error_of(seeds), seeds + ": not a regular file");
  EXPECT_EQ(error_of(seeds + "absent.so"), seeds + "absent.so: cannot open: No such file or directory");
  // The file reader and the in-memory reader (what the fuzzer drives) are one parser.
  const ManifestInfo from_file = read_manifest(seeds + "plugin_manifest_only.so");
  EXPECT_EQ(from_file.name, "abi-good");
}

// ---- FT-ABI-003: the build fingerprint ... ----

TEST(AbiFingerprint, HasEveryFieldInFixedOrder) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : parse_fingerprint(host_fingerprint())) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"abi", "torch", "cxx11_abi", "compiler", "cplusplus", "ndebug", "cuda"}));
  const auto fields = parse_fingerprint(host_fingerprint());
  EXPECT_EQ(fields[0].second, fmt::format("{}.{}", FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR));
  EXPECT_EQ(fields[1].second, kHostTorch);
  EXPECT_EQ(fields[2].second, std::to_string(_GLIBCXX_USE_CXX11_ABI));
  EXPECT_EQ(fields[4].second, std::to_string(__cplusplus) + "L");
}

TEST(AbiFingerprint, PluginBuiltWithTheSdkCarriesTheHostFingerprint) {
  EXPECT_EQ(read_manifest(fixture("good")).fingerprint, host_fingerprint());
}

// ---- ... and FT-ABI-003's rule: major equal, plugin minor <= host minor, other fingerprint fields equal ----

TEST(AbiCompatibility, OlderMinorIsAccepted) {
  PluginHost host;
  const ManifestInfo m = read_manifest(fixture("older_minor"));
  EXPECT_EQ(m.abi_minor, FT_ABI_VERSION_MINOR - 1);
  expect_loads(host, "older_minor");
  abi_test::expect_component_computes(host, abi_test::component_of("older_minor"));
  expect_host_healthy(host);
}

TEST(AbiCompatibility, NewerMinorIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "newer_minor"),
            fmt::format("incompatible: abi minor: plugin {}, host {} (the plugin needs a newer host)",
                        FT_ABI_VERSION_MINOR + 1, FT_ABI_VERSION_MINOR));
  EXPECT_FALSE(is_mapped(fixture("newer_minor")));
  expect_host_healthy(host);
}

TEST(AbiCompatibility, OtherMajorIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "wrong_major"),
            fmt::format("incompatible: abi major: plugin {}, host {}", FT_ABI_VERSION_MAJOR + 1, FT_ABI_VERSION_MAJOR));
  EXPECT_FALSE(is_mapped(fixture("wrong_major")));
  expect_host_healthy(host);
}

TEST(AbiCompatibility, OtherTorchIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "wrong_torch"), "incompatible: fingerprint torch: plugin 9.9.9, host " + kHostTorch);
  EXPECT_FALSE(is_mapped(fixture("wrong_torch")));
  expect_host_healthy(host);
}

// ---- FT-ABI-005: negotiation states the same version as the manifest ----

TEST(AbiNegotiation, VersionDifferentFromTheManifestIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "negotiate_mismatch"),
            fmt::format("negotiated ABI {0}.{1} differs from its manifest's {0}.{2}", FT_ABI_VERSION_MAJOR,
                        FT_ABI_VERSION_MINOR - 1, FT_ABI_VERSION_MINOR));
  expect_host_healthy(host);
}

TEST(AbiNegotiation, PluginRefusesAHostOlderThanItself) {
  // The plugin half of the rule, as FT_PLUGIN_ENTRY_POINTS generates it.
  uint16_t major = 0, minor = 0;
  ft_status* s = finetrain::detail::negotiate_version(1, 3, 1, 2, &major, &minor);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->code, FT_STATUS_VERSION_MISMATCH);
  EXPECT_STREQ(s->message, "plugin needs SDK ABI 1.3, host offers 1.2");
  ft_status_release(s);
  EXPECT_EQ(major, 1);
  EXPECT_EQ(minor, 3);
  EXPECT_EQ(finetrain::detail::negotiate_version(1, 2, 1, 3, &major, &minor), nullptr);
}
