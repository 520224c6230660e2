// Validation of run files against a schema: every error message, exactly, and defaults.
#include <gtest/gtest.h>

#include "config/config_errors.hpp"
#include "config/core_schema.hpp"
#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "test_support.hpp"

using namespace finetrain;
using namespace finetrain::host;

namespace {

// The core keys (training.max_steps, optimizer.learning_rate / name, validation.prompts, ...) plus
// string lists shaped like a trainer plugin's.
ConfigSchema test_schema() {
  ConfigSchema s = core_config_schema();
  s.add_string_list("lora.targets", {"to_q", "to_k"}, "Module patterns");
  s.add_string_list("lora.kinds", {}, "Kinds").one_of({"attn", "ff"});
  return s;
}

Options validate(const std::string& text, const ConfigSchema& schema = test_schema()) {
  return validate_config(schema, parse_toml_text(text, "run.toml"), "run.toml");
}

// The error text, or "(no error)".
std::string error_of(const std::string& text, const ConfigSchema& schema = test_schema()) {
  return finetrain::testing::error_of([&] { validate(text, schema); });
}

}  // namespace

TEST(ConfigValidationTest, UnknownKeySuggestsTheClosestDeclaredKey) {
  EXPECT_EQ(error_of("[optimizer]\nlerning_rate = 1e-4\n"),
            "run.toml:2:1: unknown key 'optimizer.lerning_rate' (did you mean 'optimizer.learning_rate'?)");
}

TEST(ConfigValidationTest, UnknownKeyWithNothingCloseHasNoSuggestion) {
  EXPECT_EQ(error_of("\n\ntotally_unrelated = 1\n"), "run.toml:3:1: unknown key 'totally_unrelated'");
}

TEST(ConfigValidationTest, UnknownTableIsReportedOnceWithASuggestion) {
  EXPECT_EQ(error_of("[optimzer]\nlearning_rate = 0.1\nname = \"sgd\"\n"),
            "run.toml:1:2: unknown key 'optimzer' (did you mean 'optimizer'?)");
}

TEST(ConfigValidationTest, QuotedKeyIsNotTheDottedKey) {
  EXPECT_EQ(error_of("\"optimizer.learning_rate\" = 0.5\n"),
            "run.toml:1:1: unknown key '\"optimizer.learning_rate\"' (did you mean 'optimizer.learning_rate'?)");
}

TEST(ConfigValidationTest, WrongTypeNamesExpectedAndFound) {
  EXPECT_EQ(error_of("[training]\nmax_steps = \"abc\"\n"),
            "run.toml:2:13: key 'training.max_steps' expects integer, got string \"abc\"");
  EXPECT_EQ(error_of("training.gradient_checkpointing = 1\n"),
            "run.toml:1:35: key 'training.gradient_checkpointing' expects bool, got integer 1");
  EXPECT_EQ(error_of("output_dir = 1979-05-27\n"),
            "run.toml:1:14: key 'output_dir' expects string, got date 1979-05-27");
}

TEST(ConfigValidationTest, IntegersAreFloatsButFloatsAreNotIntegers) {
  EXPECT_EQ(validate("optimizer.learning_rate = 1\n").get("optimizer.learning_rate"), Value(1.0));
  EXPECT_EQ(error_of("training.max_steps = 5.0\n"),
            "run.toml:1:22: key 'training.max_steps' expects integer, got float 5.0");
}

TEST(ConfigValidationTest, OutOfRangeShowsValueAndRange) {
  EXPECT_EQ(error_of("[optimizer]\nlearning_rate = 5.0\n"),
            "run.toml:2:17: key 'optimizer.learning_rate' = 5.0 is out of range [0, 1]");
  EXPECT_EQ(error_of("optimizer.learning_rate = 5\n"),
            "run.toml:1:27: key 'optimizer.learning_rate' = 5.0 is out of range [0, 1]");
  EXPECT_EQ(error_of("optimizer.learning_rate = nan\n"),
            "run.toml:1:27: key 'optimizer.learning_rate' = nan is out of range [0, 1]");
  EXPECT_EQ(error_of("runtime.threads = -1\n"), "run.toml:1:19: key 'runtime.threads' = -1 is out of range [0, inf)");
  EXPECT_EQ(validate("optimizer.learning_rate = 1.0\n").get_float("optimizer.learning_rate"), 1.0);  // inclusive
}

TEST(ConfigValidationTest, NotOneOfListsAllowedValuesAndSuggests) {
  EXPECT_EQ(error_of("[optimizer]\nname = \"adamv\"\n"),
            "run.toml:2:8: key 'optimizer.name' = \"adamv\" is not one of adamw, adam, sgd (did you mean \"adamw\"?)");
  EXPECT_EQ(error_of("[optimizer]\nname = \"lion\"\n"),
            "run.toml:2:8: key 'optimizer.name' = \"lion\" is not one of adamw, adam, sgd");
  EXPECT_EQ(error_of("lora.kinds = [\"attn\", \"fff\"]\n"),
            "run.toml:1:23: key 'lora.kinds' contains \"fff\", which is not one of attn, ff (did you mean \"ff\"?)");
}

TEST(ConfigValidationTest, MissingRequiredKeyNamesTheFile) {
  ConfigSchema schema = test_schema();
  schema.add_optional("model.path", ValueType::String, "Model directory").require();
  EXPECT_EQ(error_of("", schema), "run.toml: missing required key 'model.path'");
  EXPECT_EQ(validate("model.path = \"/m\"\n", schema).get_string("model.path"), "/m");
  // A wrong value is reported as wrong, not also as missing.
  EXPECT_EQ(error_of("model.path = 1\n", schema), "run.toml:1:14: key 'model.path' expects string, got integer 1");
}

TEST(ConfigValidationTest, TableWhereAValueIsExpected) {
  EXPECT_EQ(error_of("[optimizer.learning_rate]\nx = 1\ny = 2\n"),
            "run.toml:1:1: key 'optimizer.learning_rate' expects float, got table");
  EXPECT_EQ(error_of("[validation.prompts]\nprompt = \"a\"\n"),
            "run.toml:1:1: key 'validation.prompts' expects array of tables, got table");
}

TEST(ConfigValidationTest, ValueWhereATableIsExpected) {
  EXPECT_EQ(error_of("optimizer = 3\n"), "run.toml:1:13: key 'optimizer' expects a table, got integer 3");
  EXPECT_EQ(error_of("[[optimizer]]\nname = \"sgd\"\n"),
            "run.toml:1:1: key 'optimizer' expects a table, got array of tables");
}

TEST(ConfigValidationTest, StringListNeedsStrings) {
  EXPECT_EQ(validate("lora.targets = [\"a\", \"b\"]\n").get_string_list("lora.targets"), (StringList{"a", "b"}));
  EXPECT_EQ(error_of("lora.targets = [\"a\", 1]\n"),
            "run.toml:1:16: key 'lora.targets' expects array of strings, got array [\"a\", 1]");
  EXPECT_EQ(error_of("lora.targets = \"a\"\n"),
            "run.toml:1:16: key 'lora.targets' expects array of strings, got string \"a\"");
}

TEST(ConfigValidationTest, ArrayOfTablesEntriesAreValidatedWithDefaults) {
  Options o =
      validate("[[validation.prompts]]\nprompt = \"a cat\"\nseed = 7\n\n[[validation.prompts]]\nprompt = \"a dog\"\n");
  const TableList& prompts = o.get_table_list("validation.prompts");
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(prompts[0]->get_string("prompt"), "a cat");
  EXPECT_EQ(prompts[0]->get_int("seed"), 7);
  EXPECT_EQ(prompts[1]->get_string("prompt"), "a dog");
  EXPECT_EQ(prompts[1]->get_int("seed"), 0);  // default filled inside the entry
  // Inline form and the empty list.
  EXPECT_EQ(validate("validation.prompts = [{ prompt = \"x\" }]\n").get_table_list("validation.prompts").size(), 1u);
  EXPECT_TRUE(validate("validation.prompts = []\n").get_table_list("validation.prompts").empty());
}

TEST(ConfigValidationTest, ArrayOfTablesEntryErrorsNameTheEntry) {
  EXPECT_EQ(error_of("[[validation.prompts]]\nprompt = \"a\"\n\n[[validation.prompts]]\npromt = \"b\"\nseed = \"x\"\n"),
            "run.toml:4:1: missing required key 'validation.prompts[1].prompt'\n"
            "run.toml:5:1: unknown key 'validation.prompts[1].promt' (did you mean 'validation.prompts[1].prompt'?)\n"
            "run.toml:6:8: key 'validation.prompts[1].seed' expects integer, got string \"x\"");
  EXPECT_EQ(error_of("validation.prompts = [1, 2]\n"),
            "run.toml:1:22: key 'validation.prompts' expects array of tables, got array [1, 2]");
}

TEST(ConfigValidationTest, DefaultsAreFilledForEveryKeyThatHasOne) {
  ConfigSchema schema = test_schema();
  Options o = validate("", schema);
  for (const OptionSpec& spec : schema.keys()) {
    if (std::holds_alternative<std::monostate>(spec.default_value)) {
      EXPECT_FALSE(o.has(spec.key)) << spec.key;
    } else {
      ASSERT_TRUE(o.has(spec.key)) << spec.key;
      EXPECT_EQ(to_toml_literal(o.get(spec.key)), to_toml_literal(spec.default_value)) << spec.key;
    }
  }
  EXPECT_EQ(o.get_string("output_dir"), "outputs/run");
  EXPECT_EQ(o.get_int("runtime.threads"), 0);
  EXPECT_EQ(o.get_string("runtime.log_level"), "info");
}

TEST(ConfigValidationTest, EveryErrorIsReportedInFileOrder) {
  // Entries are visited in toml++'s (sorted) order; the report is in the file's order.
  EXPECT_EQ(error_of("zzz = 1\n[runtime]\nthreads = \"many\"\nlog_level = \"loud\"\n[optimizer]\nname = \"adamv\"\n"),
            "run.toml:1:1: unknown key 'zzz'\n"
            "run.toml:3:11: key 'runtime.threads' expects integer, got string \"many\"\n"
            "run.toml:4:13: key 'runtime.log_level' = \"loud\" is not one of trace, debug, info, warn, error\n"
            "run.toml:6:8: key 'optimizer.name' = \"adamv\" is not one of adamw, adam, sgd (did you mean \"adamw\"?)");
}

TEST(ConfigValidationTest, ManyErrorsAreCappedWithACount) {
  std::string text;
  const size_t count = ConfigErrors::kMaxReported + 5;
  for (size_t i = 0; i < count; ++i) text += "unknown_" + std::to_string(100 + i) + " = 1\n";
  std::string message = error_of(text);
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), static_cast<long>(ConfigErrors::kMaxReported));
  EXPECT_EQ(message.substr(0, message.find('\n')), "run.toml:1:1: unknown key 'unknown_100'");
  EXPECT_EQ(message.substr(message.rfind('\n') + 1), "(and 5 more errors)");
}

TEST(ConfigValidationTest, LaterEntriesWin) {
  auto entries = parse_toml_text("runtime.threads = 2\n", "run.toml");
  auto more = parse_toml_text("runtime.threads = 3\n", "second.toml");
  entries.insert(entries.end(), more.begin(), more.end());
  EXPECT_EQ(validate_config(test_schema(), entries, "run.toml").get_int("runtime.threads"), 3);
}
