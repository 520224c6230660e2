#include "plugin_host/plugin_manifest.hpp"

#include <gtest/gtest.h>

using namespace finetrain::host;

namespace {

ManifestInfo manifest_with(uint16_t major, uint16_t minor, std::string fingerprint) {
  ManifestInfo m;
  m.abi_major = major;
  m.abi_minor = minor;
  m.name = "x";
  m.fingerprint = std::move(fingerprint);
  return m;
}

const std::string kHost = "abi=1.3;torch=2.4.0;cxx11_abi=1;compiler=gcc-12;cplusplus=201703L;ndebug=1;cuda=cpu";

}  // namespace

TEST(FingerprintTest, ParsesPairsInOrder) {
  auto fields = parse_fingerprint("a=1;b=two;;c=");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"b", "two"}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"c", ""}));
}

TEST(CompatibilityTest, OlderMinorIsAcceptedEvenThoughAbiFieldDiffers) {
  auto fp = kHost;
  fp.replace(0, 7, "abi=1.1");
  EXPECT_TRUE(check_compatibility(manifest_with(1, 1, fp), 1, 3, kHost).compatible);
}

TEST(CompatibilityTest, NamesTheFirstDifferingFieldWithBothValues) {
  auto fp = kHost;
  fp.replace(fp.find("ndebug=1"), 8, "ndebug=0");
  auto c = check_compatibility(manifest_with(1, 3, fp), 1, 3, kHost);
  EXPECT_FALSE(c.compatible);
  EXPECT_EQ(c.reason, "fingerprint ndebug: plugin 0, host 1");
}

TEST(CompatibilityTest, ExtraFieldInPluginIsAMismatch) {
  auto c = check_compatibility(manifest_with(1, 3, kHost + ";rocm=6"), 1, 3, kHost);
  EXPECT_FALSE(c.compatible);
  EXPECT_EQ(c.reason, "fingerprint rocm: plugin 6, host (missing)");
}

TEST(CompatibilityTest, MajorAndNewerMinorAreRefusedFirst) {
  EXPECT_EQ(check_compatibility(manifest_with(2, 0, kHost), 1, 3, kHost).reason, "abi major: plugin 2, host 1");
  EXPECT_EQ(check_compatibility(manifest_with(1, 4, kHost), 1, 3, kHost).reason,
            "abi minor: plugin 4, host 3 (the plugin needs a newer host)");
}
