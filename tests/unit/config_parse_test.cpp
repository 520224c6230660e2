// Reading TOML and --set overrides into entries, and the did-you-mean matcher.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "config/core_schema.hpp"
#include "config/did_you_mean.hpp"
#include "config/overrides.hpp"
#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "test_support.hpp"

using namespace finetrain;
using namespace finetrain::host;
using Kind = ConfigValue::Kind;

namespace {

using finetrain::testing::error_of;

const ConfigEntry& entry(const std::vector<ConfigEntry>& entries, const std::string& key) {
  for (const ConfigEntry& e : entries)
    if (e.key == key) return e;
  throw std::runtime_error("no entry " + key);
}

ConfigSchema override_schema() {
  ConfigSchema s = core_config_schema();  // declares training.max_steps and optimizer.learning_rate
  s.add_string("model.preset", "", "Preset");
  s.add_string_list("lora.targets", {}, "Targets");
  s.add_bool("training.flag", false, "Flag");
  return s;
}

Options apply_overrides(const std::vector<std::string>& texts) {
  ConfigSchema schema = override_schema();
  std::vector<ConfigEntry> entries;
  for (const std::string& text : texts) {
    auto more = override_entries(parse_override(text), schema);
    entries.insert(entries.end(), more.begin(), more.end());
  }
  return validate_config(schema, entries, "run.toml");
}

}  // namespace

TEST(TomlReaderTest, FlattensTablesIntoDottedKeysWithLocations) {
  auto entries =
      parse_toml_text("output_dir = \"o\"\n\n[optimizer]\n  learning_rate = 1e-4\nadam.beta1 = 0.9\n", "run.toml");
  const ConfigEntry& lr = entry(entries, "optimizer.learning_rate");
  EXPECT_EQ(lr.key_location.to_string(), "run.toml:4:3");
  EXPECT_EQ(lr.value.location.to_string(), "run.toml:4:19");
  EXPECT_EQ(lr.value.kind, Kind::Float);
  EXPECT_EQ(lr.value.number, 1e-4);
  EXPECT_EQ(entry(entries, "optimizer").value.kind, Kind::Table);
  EXPECT_EQ(entry(entries, "optimizer.adam").value.kind, Kind::Table);
  EXPECT_EQ(entry(entries, "optimizer.adam.beta1").value.number, 0.9);
  EXPECT_EQ(entry(entries, "output_dir").value.text, "o");
}

TEST(TomlReaderTest, TableEntriesComeBeforeTheirKeys) {
  auto entries = parse_toml_text("[b]\nx = 1\n[a.c]\ny = 2\n", "run.toml");
  std::vector<std::string> keys;
  for (const auto& e : entries) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "a.c", "a.c.y", "b", "b.x"}));
}

TEST(TomlReaderTest, ArraysOfTablesBecomeEntryLists) {
  auto entries = parse_toml_text("[[v.p]]\nprompt = \"a\"\n[[v.p]]\nprompt = \"b\"\nsize.w = 4\n", "run.toml");
  const ConfigValue& list = entry(entries, "v.p").value;
  ASSERT_EQ(list.kind, Kind::TableArray);
  ASSERT_EQ(list.tables.size(), 2u);
  EXPECT_EQ(list.tables[1].location.to_string(), "run.toml:3:1");
  EXPECT_EQ(entry(list.tables[1].entries, "prompt").value.text, "b");
  EXPECT_EQ(entry(list.tables[1].entries, "size.w").value.integer, 4);
}

TEST(TomlReaderTest, ScalarsArraysAndDates) {
  auto entries = parse_toml_text(
      "a = true\nb = -3\nc = [1, \"x\"]\nd = 1979-05-27T07:32:00Z\ne = 07:32:00\n"
      "f = []\n\"q k\" = 1\n",
      "run.toml");
  EXPECT_EQ(entry(entries, "a").value.boolean, true);
  EXPECT_EQ(entry(entries, "b").value.integer, -3);
  EXPECT_EQ(describe(entry(entries, "c").value), "array [1, \"x\"]");
  EXPECT_EQ(describe(entry(entries, "d").value), "date-time 1979-05-27T07:32:00Z");
  EXPECT_EQ(describe(entry(entries, "e").value), "time 07:32:00");
  EXPECT_EQ(entry(entries, "f").value.kind, Kind::Array);
  EXPECT_EQ(entry(entries, "\"q k\"").value.integer, 1);  // non-bare keys stay quoted
}

TEST(TomlReaderTest, SyntaxErrorsHaveFileLineAndColumn) {
  EXPECT_EQ(error_of([] { parse_toml_text("a = 1\nb = \n", "run.toml"); }),
            "run.toml:2:5: invalid TOML: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(error_of([] { parse_toml_text("a = 1\na = 2\n", "run.toml"); }),
            "run.toml:2:5: invalid TOML: Error while parsing key-value pair: cannot redefine existing integer 'a'");
}

TEST(TomlReaderTest, ReadsFilesAndReportsUnreadableOnes) {
  std::string dir = finetrain::testing::make_temp_dir("config-read");
  std::string path = dir + "/run.toml";
  std::ofstream(path) << "[runtime]\nthreads = 2\n";
  EXPECT_EQ(entry(read_toml_file(path), "runtime.threads").key_location.to_string(), path + ":2:1");
  EXPECT_EQ(error_of([&] { read_toml_file(dir + "/missing.toml"); }),
            dir + "/missing.toml: cannot read: No such file or directory");
  EXPECT_EQ(error_of([&] { read_toml_file(dir); }), dir + ": cannot read: is a directory");
  std::filesystem::remove_all(dir);
}

TEST(OverrideTest, ValuesAreReadAsToml) {
  Options o = apply_overrides({"training.max_steps=10", "optimizer.learning_rate=1e-4", "lora.targets=[\"a\",\"b\"]",
                               "training.flag=true", "model.preset=\"quoted\""});
  EXPECT_EQ(o.get("training.max_steps"), Value(int64_t{10}));
  EXPECT_EQ(o.get("optimizer.learning_rate"), Value(1e-4));
  EXPECT_EQ(o.get_string_list("lora.targets"), (StringList{"a", "b"}));
  EXPECT_TRUE(o.get_bool("training.flag"));
  EXPECT_EQ(o.get_string("model.preset"), "quoted");
}

TEST(OverrideTest, StringKeysTakeUnquotedText) {
  EXPECT_EQ(apply_overrides({"model.preset=tiny"}).get_string("model.preset"), "tiny");
  EXPECT_EQ(apply_overrides({"model.preset=2024"}).get_string("model.preset"), "2024");
  EXPECT_EQ(apply_overrides({"output_dir=/tmp/a b=c"}).get_string("output_dir"), "/tmp/a b=c");
  EXPECT_EQ(apply_overrides({"model.preset="}).get_string("model.preset"), "");
}

TEST(OverrideTest, LaterOverridesWinAndKeysAreTrimmed) {
  EXPECT_EQ(apply_overrides({"training.max_steps=10", " training.max_steps = 20"}).get_int("training.max_steps"), 20);
}

TEST(OverrideTest, InlineTablesSetTheirKeys) {
  Options o = apply_overrides({"runtime={ threads = 3, log_level = \"warn\" }"});
  EXPECT_EQ(o.get_int("runtime.threads"), 3);
  EXPECT_EQ(o.get_string("runtime.log_level"), "warn");
}

TEST(OverrideTest, ErrorsArePrefixedWithTheOverride) {
  EXPECT_EQ(error_of([] { apply_overrides({"training.max_steps=abc"}); }),
            "--set training.max_steps=abc: key 'training.max_steps' expects integer, got string \"abc\"");
  EXPECT_EQ(error_of([] { apply_overrides({"optimizer.lerning_rate=0.1"}); }),
            "--set optimizer.lerning_rate=0.1: unknown key 'optimizer.lerning_rate' "
            "(did you mean 'optimizer.learning_rate'?)");
  EXPECT_EQ(error_of([] { apply_overrides({"training.max_steps=1\nx = 2"}); }),
            "--set training.max_steps=1\nx = 2: key 'training.max_steps' expects integer, got string \"1\\nx = 2\"");
  EXPECT_EQ(error_of([] { apply_overrides({"lora.targets=[a,b]"}); }),
            "--set lora.targets=[a,b]: key 'lora.targets' expects array of strings, got string \"[a,b]\"");
}

TEST(OverrideTest, LiteralTextMustBeUtf8) {
  EXPECT_EQ(apply_overrides({"model.preset=caf\xc3\xa9"}).get_string("model.preset"), "caf\xc3\xa9");
  for (const char* bad :
       {"model.preset=caf\xe9", "model.preset=\xc0\xaf", "model.preset=\xed\xa0\x80", "model.preset=\xe2\x82"})
    EXPECT_EQ(error_of([&] { apply_overrides({bad}); }),
              std::string("--set ") + bad + ": the value is not valid UTF-8");
}

TEST(OverrideTest, TextWithoutKeyIsRejected) {
  EXPECT_EQ(error_of([] { parse_override("training.max_steps"); }), "--set training.max_steps: expected key=value");
  EXPECT_EQ(error_of([] { parse_override(" =3"); }), "--set  =3: expected key=value");
  Override o = parse_override("a.b==c");
  EXPECT_EQ(o.key, "a.b");
  EXPECT_EQ(o.value_text, "=c");
  EXPECT_EQ(o.location.to_string(), "--set a.b==c");
}

TEST(DidYouMeanTest, EditDistanceCountsTranspositionsAsOneEdit) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("sgd", "sdg"), 1u);
  EXPECT_EQ(edit_distance("lerning_rate", "learning_rate"), 1u);
}

TEST(DidYouMeanTest, SuggestsOnlyCloseCandidates) {
  std::vector<std::string> keys{"optimizer.learning_rate", "optimizer.name", "output_dir"};
  EXPECT_EQ(closest_match("optimizer.lerning_rate", keys), "optimizer.learning_rate");
  EXPECT_EQ(closest_match("Output_Dir", keys), "output_dir");  // case-insensitive
  EXPECT_EQ(closest_match("optimizer.nmae", keys), "optimizer.name");
  EXPECT_EQ(closest_match("seed", keys), std::nullopt);
  EXPECT_EQ(closest_match("optimizer.momentum", keys), std::nullopt);
  // Ties go to the earlier candidate: "adamv" is one edit from both.
  EXPECT_EQ(closest_match("adamv", {"adamw", "adam", "sgd"}), "adamw");
  EXPECT_EQ(closest_match("adamv", {"adam", "adamw", "sgd"}), "adam");
}
