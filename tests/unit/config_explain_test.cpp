// `config explain` output, checked against the schema it explains.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/core_schema.hpp"
#include "config/schema_explain.hpp"
#include "config/schema_text.hpp"

using namespace finetrain;
using namespace finetrain::host;

namespace {

ConfigSchema explained_schema() {
  ConfigSchema s = core_config_schema();  // declares optimizer.learning_rate and optimizer.name
  s.add_string_list("lora.targets", {"to_q"}, "Targets");
  s.add_optional("model.path", ValueType::String, "Model directory").require();
  s.add_table_list("samples.prompts", {item_key("prompt", ValueType::String, std::string("a cat"), "Prompt")},
                   "Prompts");
  return s;
}

// The JSON default must be the schema's default, compared by type.
void expect_default(const nlohmann::json& j, const OptionSpec& spec) {
  struct Check {
    const nlohmann::json& j;
    void operator()(std::monostate) const { EXPECT_TRUE(j.is_null()); }
    void operator()(bool b) const { EXPECT_EQ(j.get<bool>(), b); }
    void operator()(int64_t i) const { EXPECT_EQ(j.get<int64_t>(), i); }
    void operator()(double d) const { EXPECT_EQ(j.get<double>(), d); }
    void operator()(const std::string& s) const { EXPECT_EQ(j.get<std::string>(), s); }
    void operator()(const StringList& l) const { EXPECT_EQ(j.get<StringList>(), l); }
    void operator()(const TableList& t) const { EXPECT_EQ(j.size(), t.size()); }
  };
  SCOPED_TRACE(spec.key);
  std::visit(Check{j}, spec.default_value);
}

}  // namespace

TEST(ConfigExplainTest, JsonListsEveryKeyWithItsDeclaration) {
  ConfigSchema schema = explained_schema();
  nlohmann::json j = explain_json(schema, ExplainPlugins{});
  ASSERT_EQ(j["keys"].size(), schema.keys().size());
  for (const nlohmann::json& key : j["keys"]) {
    const OptionSpec* spec = schema.find(key["key"].get<std::string>());
    ASSERT_NE(spec, nullptr) << key.dump();
    EXPECT_EQ(key["type"], to_string(spec->type));
    EXPECT_EQ(key["doc"], spec->doc);
    EXPECT_EQ(key["required"], spec->required);
    EXPECT_EQ(key["allowed"].get<std::vector<std::string>>(), spec->allowed);
    EXPECT_EQ(key["min"].is_null(), !spec->min);
    EXPECT_EQ(key["item_keys"].size(), spec->item_keys.size());
    expect_default(key["default"], *spec);
  }
  EXPECT_EQ(j["keys"][0]["key"], "output_dir");  // top-level keys first
  EXPECT_EQ(j["keys"][0]["section"], "");
  // A section's keys are listed together: model.path, declared last, follows the core's model.name.
  std::vector<std::string> order;
  for (const nlohmann::json& key : j["keys"]) order.push_back(key["key"].get<std::string>());
  const auto name = std::find(order.begin(), order.end(), "model.name");
  ASSERT_NE(name, order.end());
  ASSERT_NE(name + 1, order.end());
  EXPECT_EQ(*(name + 1), "model.path");
  EXPECT_TRUE(j["plugins"]["model"].is_null());
}

TEST(ConfigExplainTest, TextShowsEveryKeyWithDefaultRangeAndDoc) {
  ConfigSchema schema = explained_schema();
  std::string text = explain_text(schema, ExplainPlugins{});
  for (const OptionSpec& spec : schema.keys()) {
    SCOPED_TRACE(spec.key);
    size_t at = text.find("  " + spec.key + "  (" + to_string(spec.type));
    ASSERT_NE(at, std::string::npos) << text;
    std::string block = text.substr(at, text.find('\n', text.find('\n', at) + 1) - at);
    std::string def = default_text(spec);
    EXPECT_NE(block.find(spec.required ? ", required"
                         : def.empty() ? ", no default"
                                       : ", default " + def),
              std::string::npos)
        << block;
    EXPECT_NE(block.find(spec.doc), std::string::npos) << block;
  }
  EXPECT_NE(text.find("  optimizer.learning_rate  (float, default 0.0001, range [0, 1])\n      Peak learning rate\n"),
            std::string::npos);
  EXPECT_NE(text.find("  optimizer.name  (string, default \"adamw\", one of adamw, adam, sgd)\n"), std::string::npos);
  EXPECT_NE(text.find("    each entry:\n        prompt  (string, default \"a cat\")\n            Prompt\n"),
            std::string::npos)
      << text;
  EXPECT_LT(text.find("\ntop level\n"), text.find("\n[model]\n"));
  EXPECT_LT(text.find("\n[model]\n"), text.find("\n[runtime]\n"));
}

TEST(ConfigExplainTest, SaysWhichPluginsAreAvailableOrIncluded) {
  ConfigSchema schema = core_config_schema();
  std::string none = explain_text(schema, ExplainPlugins{});
  EXPECT_EQ(none.substr(0, none.find("\n\n")),
            "Configuration keys of the core.\n"
            "Model plugins available: (none) (--model NAME adds its keys)\n"
            "Trainer plugins available: (none) (--trainer NAME adds its keys)");
  std::string some = explain_text(schema, ExplainPlugins{"wan", "", {"ltx-video", "wan"}, {"sft"}});
  EXPECT_EQ(some.substr(0, some.find("\n\n")),
            "Configuration keys of the core, model plugin 'wan'.\n"
            "Trainer plugins available: sft (--trainer NAME adds its keys)");
  nlohmann::json j = explain_json(schema, ExplainPlugins{"wan", "", {"ltx-video", "wan"}, {"sft"}});
  EXPECT_EQ(j["plugins"]["model"], "wan");
  EXPECT_EQ(j["available"]["model"], (std::vector<std::string>{"ltx-video", "wan"}));
}
