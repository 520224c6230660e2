// attention.* configuration: the schema, and the policy built from config, environment and CLI.
#include <gtest/gtest.h>

#include <cstdlib>

#include "attention/attention_config.hpp"
#include "test_support.hpp"

using namespace finetrain;
using host::attention_policy_from_options;

namespace {

// Options as the config system hands them over: every schema default filled in.
Options defaults() {
  Options options;
  const ConfigSchema schema = host::attention_config_schema();
  for (const OptionSpec& spec : schema.keys()) options.set(spec.key, spec.default_value);
  return options;
}

std::shared_ptr<const Options> override_entry(const std::string& site, const std::string& backend) {
  auto entry = std::make_shared<Options>();
  entry->set("site", site);
  entry->set("backend", backend);
  return entry;
}

using finetrain::testing::error_of;

}  // namespace

TEST(AttentionConfig, SchemaDeclaresTheKeysWithDefaults) {
  ConfigSchema schema = host::attention_config_schema();
  ASSERT_TRUE(schema.find("attention.backend"));
  EXPECT_EQ(std::get<std::string>(schema.find("attention.backend")->default_value), "auto");
  ASSERT_TRUE(schema.find("attention.validation_backend"));
  EXPECT_EQ(std::get<std::string>(schema.find("attention.validation_backend")->default_value), "auto");
  const OptionSpec* overrides = schema.find("attention.overrides");
  ASSERT_TRUE(overrides);
  EXPECT_EQ(overrides->type, ValueType::TableList);
  ASSERT_EQ(overrides->item_keys.size(), 2u);
  EXPECT_EQ(overrides->item_keys[0].key, "site");
  EXPECT_TRUE(overrides->item_keys[0].required);
  EXPECT_EQ(overrides->item_keys[1].key, "backend");
  EXPECT_TRUE(overrides->item_keys[1].required);
  for (const OptionSpec& spec : schema.keys()) EXPECT_FALSE(spec.doc.empty()) << spec.key;
}

TEST(AttentionConfig, DefaultsGiveAutoEverywhere) {
  AttentionPolicy p = attention_policy_from_options(defaults(), std::nullopt, std::nullopt);
  EXPECT_EQ(p, AttentionPolicy{});
}

TEST(AttentionConfig, ConfigValuesAndOverridesInOrder) {
  Options o = defaults();
  o.set("attention.backend", std::string("math"));
  o.set("attention.validation_backend", std::string("chunked"));
  o.set("attention.overrides", TableList{override_entry("blocks.0.*", "sdpa"), override_entry("*attn2", "auto")});
  AttentionPolicy p = attention_policy_from_options(o, std::nullopt, std::nullopt);
  EXPECT_EQ(p.training_backend, "math");
  EXPECT_EQ(p.validation_backend, "chunked");
  ASSERT_EQ(p.site_overrides.size(), 2u);
  EXPECT_EQ(p.site_overrides[0], (std::pair<std::string, std::string>{"blocks.0.*", "sdpa"}));
  EXPECT_EQ(p.site_overrides[1], (std::pair<std::string, std::string>{"*attn2", "auto"}));
}

TEST(AttentionConfig, CliBeatsEnvironmentBeatsConfig) {
  Options o = defaults();
  o.set("attention.backend", std::string("math"));
  EXPECT_EQ(attention_policy_from_options(o, std::string("chunked"), std::nullopt).training_backend, "chunked");
  EXPECT_EQ(attention_policy_from_options(o, std::string("chunked"), std::string("sdpa")).training_backend, "sdpa");
  EXPECT_EQ(attention_policy_from_options(o, std::nullopt, std::string("sdpa")).training_backend, "sdpa");
  // They replace the training backend only.
  EXPECT_EQ(attention_policy_from_options(o, std::nullopt, std::string("sdpa")).validation_backend, "auto");
}

TEST(AttentionConfig, UnknownNamesNameTheirSourceAndListTheAvailableBackends) {
  Options o = defaults();
  std::string m = error_of([&] { attention_policy_from_options(o, std::nullopt, std::string("flash")); });
  EXPECT_NE(m.find("--attention-backend: unknown attention backend 'flash'; available: auto, sdpa, chunked, math"),
            std::string::npos)
      << m;
  m = error_of([&] { attention_policy_from_options(o, std::string("xformers"), std::nullopt); });
  EXPECT_NE(m.find("FINETRAIN_ATTENTION_BACKEND: unknown attention backend 'xformers'"), std::string::npos) << m;
  o.set("attention.validation_backend", std::string("fast"));
  m = error_of([&] { attention_policy_from_options(o, std::nullopt, std::nullopt); });
  EXPECT_NE(m.find("attention.validation_backend: unknown attention backend 'fast'"), std::string::npos) << m;
  o = defaults();
  o.set("attention.overrides", TableList{override_entry("a", "math"), override_entry("b", "nope")});
  m = error_of([&] { attention_policy_from_options(o, std::nullopt, std::nullopt); });
  EXPECT_NE(m.find("attention.overrides[1].backend: unknown attention backend 'nope'"), std::string::npos) << m;
  o.set("attention.overrides", TableList{override_entry("", "math")});
  m = error_of([&] { attention_policy_from_options(o, std::nullopt, std::nullopt); });
  EXPECT_NE(m.find("attention.overrides[0].site: empty site pattern"), std::string::npos) << m;
}

TEST(AttentionConfig, EnvironmentVariable) {
  ::unsetenv(host::kAttentionBackendEnv);
  EXPECT_EQ(host::attention_backend_from_environment(), std::nullopt);
  ::setenv(host::kAttentionBackendEnv, "", 1);
  EXPECT_EQ(host::attention_backend_from_environment(), std::nullopt);
  ::setenv(host::kAttentionBackendEnv, "chunked", 1);
  EXPECT_EQ(host::attention_backend_from_environment(), std::optional<std::string>("chunked"));
  ::unsetenv(host::kAttentionBackendEnv);
}
