// The resolved-config writer: layout, and reading its output back gives the same Options.
#include "config/config_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "config/toml_reader.hpp"
#include "config/validation.hpp"

using namespace finetrain;
using namespace finetrain::host;

namespace {

// A schema of its own (the writer is generic, the core's keys change): every shape the writer handles.
ConfigSchema writer_schema() {
  ConfigSchema s;
  s.add_string("output_dir", "outputs/run", "Output directory");
  s.add_optional("model.name", ValueType::String, "Model plugin");
  s.add_int("runtime.threads", 0, "Threads");
  s.add_string("runtime.log_level", "info", "Log level");
  s.add_optional("trainer.name", ValueType::String, "Trainer plugin");
  s.add_float("optimizer.learning_rate", 1e-4, "LR");
  s.add_float("optimizer.epsilon", 1e-8, "Epsilon");
  s.add_float("optimizer.weight_decay", 0.0, "Decay");
  s.add_int("training.max_steps", 1000, "Steps");
  s.add_bool("training.deterministic", false, "Deterministic");
  s.add_string_list("lora.targets", {"to_q", "to_k"}, "Targets");
  s.add_string_list("lora.exclude", {}, "Excluded");
  s.add_float("model.vae.scale", 0.5, "A key two tables deep");
  s.add_optional("model.path", ValueType::String, "Optional, no default");
  s.add_table_list("validation.prompts",
                   {item_key("prompt", ValueType::String, std::monostate{}, "Prompt").require(),
                    item_key("seed", ValueType::Int, int64_t{0}, "Seed"),
                    item_key("size.width", ValueType::Int, int64_t{64}, "Dotted item key"),
                    item_key("negative", ValueType::String, std::monostate{}, "Optional")},
                   "Prompts");
  s.add_table_list("validation.extra", {item_key("x", ValueType::Int, int64_t{1}, "X")}, "Stays empty");
  return s;
}

// Values compared through their TOML text, entries of arrays of tables key by key (NaN-safe).
void expect_same(const Options& a, const Options& b) {
  ASSERT_EQ(a.values().size(), b.values().size());
  for (const auto& [key, value] : a.values()) {
    ASSERT_TRUE(b.values().count(key)) << key;
    const Value& other = b.values().at(key);
    ASSERT_EQ(value.index(), other.index()) << key;
    if (const auto* list = std::get_if<TableList>(&value)) {
      const auto& other_list = std::get<TableList>(other);
      ASSERT_EQ(list->size(), other_list.size()) << key;
      for (size_t i = 0; i < list->size(); ++i) expect_same(*(*list)[i], *other_list[i]);
    } else if (const auto* d = std::get_if<double>(&value)) {
      double e = std::get<double>(other);
      EXPECT_TRUE(*d == e || (std::isnan(*d) && std::isnan(e))) << key << ": " << *d << " vs " << e;
    } else {
      EXPECT_EQ(value, other) << key;
    }
  }
}

Options read_back(const std::string& text, const ConfigSchema& schema) {
  return validate_config(schema, parse_toml_text(text, "training_config.toml"), "training_config.toml");
}

}  // namespace

TEST(ConfigWriterTest, RoundTripOfDefaults) {
  ConfigSchema schema = writer_schema();
  Options defaults = validate_config(schema, {}, "run.toml");
  expect_same(read_back(write_resolved_config(defaults, schema), schema), defaults);
}

TEST(ConfigWriterTest, RoundTripOfAwkwardValues) {
  ConfigSchema schema = writer_schema();
  const std::string run =
      "output_dir = 'C:\\out \"quoted\"'\n"
      "model.name = \"line1\\nline2\\ttab \\u0001 \\u007f é\"\n"
      "model.path = \"\"\n"
      "[optimizer]\nlearning_rate = 1e-4\nepsilon = 1.5e-300\nweight_decay = nan\n"
      "[training]\nmax_steps = -9223372036854775808\ndeterministic = true\n"
      "[lora]\ntargets = [\"a\\\"b\", \"\", \"c\\\\d\"]\n"
      "[[validation.prompts]]\nprompt = \"\"\"multi\nline\"\"\"\nsize.width = 128\n"
      "[[validation.prompts]]\nprompt = \"second\"\nnegative = \"blurry\"\nseed = 3\n";
  Options original = read_back(run, schema);
  std::string written = write_resolved_config(original, schema);
  Options again = read_back(written, schema);
  expect_same(again, original);
  EXPECT_EQ(again.get_float("optimizer.learning_rate"), 1e-4);
  EXPECT_EQ(again.get_string("model.name"), "line1\nline2\ttab \x01 \x7f é");
  EXPECT_EQ(again.get_table_list("validation.prompts")[0]->get_string("prompt"), "multi\nline");
  // Writing is stable: the same Options give the same text.
  EXPECT_EQ(write_resolved_config(again, schema), written);
}

TEST(ConfigWriterTest, LayoutGroupsKeysIntoTablesInSchemaOrder) {
  ConfigSchema schema = writer_schema();
  Options o = read_back("[[validation.prompts]]\nprompt = \"a\"\n", schema);
  std::string text = write_resolved_config(o, schema);
  EXPECT_EQ(text.rfind("# Resolved configuration of a finetrain run", 0), 0u) << text;
  EXPECT_NE(text.find("`finetrain config check <this file>`"), std::string::npos);
  const std::string body = text.substr(text.find("\noutput_dir"));
  EXPECT_EQ(body,
            "\noutput_dir = \"outputs/run\"\n"
            "\n[model]\n# name is not set\n# path is not set\n"
            "\n[runtime]\nthreads = 0\nlog_level = \"info\"\n"
            "\n[trainer]\n# name is not set\n"
            "\n[optimizer]\nlearning_rate = 0.0001\nepsilon = 1e-08\nweight_decay = 0.0\n"
            "\n[training]\nmax_steps = 1000\ndeterministic = false\n"
            "\n[lora]\ntargets = [\"to_q\", \"to_k\"]\nexclude = []\n"
            "\n[model.vae]\nscale = 0.5\n"
            "\n[validation]\nextra = []\n"
            "\n[[validation.prompts]]\nprompt = \"a\"\nseed = 0\nsize.width = 64\n");
}
