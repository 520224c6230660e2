// What the user wrote, before it meets a schema: a flat list of (dotted key, value, location)
// read from the run file or a --set override. Tables appear as entries of their own (followed by
// their keys), so validation can tell "a table where a value is expected" and report unknown
// tables once. Independent of the TOML library; only toml_reader.cpp knows toml++.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace finetrain::host {

struct SourceLocation {
  std::string source;  // "run.toml", or "--set training.max_steps=abc"
  int64_t line = 0;    // 0: the whole source (no position)
  int64_t column = 0;

  // "run.toml:3:17", or just the source when there is no position.
  std::string to_string() const;
};

struct ConfigEntry;

// One array-of-tables entry: its keys relative to the entry.
struct ConfigTable {
  SourceLocation location;
  std::vector<ConfigEntry> entries;
};

struct ConfigValue {
  enum class Kind { Bool, Int, Float, String, Date, Time, DateTime, Array, Table, TableArray };

  Kind kind = Kind::Table;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0.0;
  std::string text;                 // String: the string; Date/Time/DateTime: the TOML literal
  std::vector<ConfigValue> items;   // Array
  std::vector<ConfigTable> tables;  // TableArray
  SourceLocation location;
};

struct ConfigEntry {
  std::string key;  // dotted; segments that are not bare TOML keys are quoted
  SourceLocation key_location;
  ConfigValue value;
};

// The value as TOML would write it ("abc" quoted, [1, 2]); tables as "{...}".
std::string literal(const ConfigValue& value);
// What a value is, for "expects X, got <description>": `string "abc"`, `integer 5`, `table`.
std::string describe(const ConfigValue& value);

// A key segment as TOML needs it written: bare when it only has A-Za-z0-9_-, else quoted.
std::string key_segment(const std::string& name);

}  // namespace finetrain::host
