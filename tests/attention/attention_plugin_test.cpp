// A plugin's attention backend goes through tier 0 into the host, and from there into the
// attention registry, where policies select it like a built-in.
#include <ATen/ops/allclose.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include "attention/attention_report.hpp"
#include "attention/register_plugin_backends.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/attention_checks.hpp"
#include "finetrain/error.hpp"
#include "plugin_host/plugin_host.hpp"
#include "test_support.hpp"

using namespace finetrain;

namespace {

// Loads the test plugin and registers its backends once per process (registry names are unique).
const std::vector<host::PluginBackendRegistration>& registrations() {
  static const std::vector<host::PluginBackendRegistration> result = [] {
    static host::PluginHost plugin_host;  // plugins are never unloaded; neither is their host here
    const host::PluginStatus& status = plugin_host.load_file(FT_TEST_ATTENTION_PLUGIN_FILE);
    if (!status.loaded) throw Error("test plugin not loaded: " + status.error);
    return host::register_plugin_backends(plugin_host, attention_registry());
  }();
  return result;
}

const host::PluginBackendRegistration& registration(const std::string& backend) {
  for (const auto& r : registrations())
    if (r.backend == backend) return r;
  throw Error("no registration for " + backend);
}

AttentionPolicy training(const std::string& backend) {
  AttentionPolicy p;
  p.training_backend = backend;
  return p;
}

}  // namespace

TEST(AttentionPlugin, BackendIsRegisteredAndAMisnamedOneRefused) {
  ASSERT_EQ(registrations().size(), 2u);
  EXPECT_EQ(registration("float64-reference").error, "");
  EXPECT_EQ(registration("float64-reference").plugin, "test-attention");
  EXPECT_NE(registration("misnamed").error.find("its name() is 'not-what-it-registered-as'"), std::string::npos)
      << registration("misnamed").error;
  EXPECT_TRUE(attention_registry().find("float64-reference"));
  EXPECT_FALSE(attention_registry().find("misnamed"));
  EXPECT_FALSE(attention_registry().find("not-what-it-registered-as"));
}

TEST(AttentionPlugin, PolicySelectsThePluginBackendAndItMatchesMath) {
  registrations();
  at::manual_seed(3);
  at::Tensor q = at::randn({2, 3, 37, 16}), k = at::randn({2, 3, 53, 16}), v = at::randn({2, 3, 53, 16});
  at::Tensor mask = at::rand({2, 1, 37, 53}).gt(0.3);
  mask.select(3, 0).fill_(true);
  AttentionRegistry& registry = attention_registry();
  AttentionHandle attn("transformer_blocks.0.attn1");
  at::Tensor want;
  {
    ScopedAttentionPolicy math(training("math"));
    want = attn(q, k, v, mask, std::nullopt, true);
  }
  ScopedAttentionPolicy plugin(training("float64-reference"));
  const uint64_t before = registry.calls("float64-reference");
  at::Tensor got = attn(q, k, v, mask, std::nullopt, true);
  EXPECT_EQ(registry.calls("float64-reference"), before + 1);
  EXPECT_TRUE(at::allclose(got, want, 1e-4, 1e-5));
}

TEST(AttentionPlugin, RefusalsCarryThePluginsReasonAndChecksAreListed) {
  registrations();
  ScopedAttentionPolicy plugin(training("float64-reference"));
  at::Tensor q = at::randn({1, 4, 8, 16}), kv = at::randn({1, 2, 8, 16});
  try {
    AttentionHandle("blocks.0.attn1")(q, kv, kv);
    FAIL() << "GQA must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backend 'float64-reference' (training backend)"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no GQA (k/v heads == q heads): Hq=4 Hkv=2"), std::string::npos) << e.what();
  }
  std::string table = host::backend_list_table(attention_registry(), {{"float64-reference", "test-attention"}});
  EXPECT_NE(table.find("float64-reference"), std::string::npos) << table;
  EXPECT_NE(table.find("plugin test-attention"), std::string::npos) << table;
  EXPECT_NE(table.find("mask kind is not additive"), std::string::npos) << table;
}

TEST(AttentionPlugin, AttentionListShowsPluginBackends) {
  std::string out;
  const std::string command =
      finetrain::testing::finetrain_executable() + " --plugin-path " FT_TEST_ATTENTION_PLUGIN_DIR " attention list";
  int rc = finetrain::testing::run_command(command, &out, 60);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("float64-reference"), std::string::npos) << out;
  EXPECT_NE(out.find("plugin test-attention"), std::string::npos) << out;
  EXPECT_NE(out.find("head dim <= 128"), std::string::npos) << out;
  EXPECT_NE(out.find("not registered"), std::string::npos) << "the misnamed backend is reported: " << out;
}
