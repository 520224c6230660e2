#include "config/config_entry.hpp"

#include <fmt/format.h>

#include "finetrain/options.hpp"

namespace finetrain::host {

std::string SourceLocation::to_string() const {
  if (line <= 0) return source;
  return fmt::format("{}:{}:{}", source, line, column);
}

std::string literal(const ConfigValue& value) {
  using Kind = ConfigValue::Kind;
  switch (value.kind) {
    case Kind::Bool: return to_toml_literal(value.boolean);
    case Kind::Int: return to_toml_literal(value.integer);
    case Kind::Float: return to_toml_literal(value.number);
    case Kind::String: return to_toml_literal(value.text);
    case Kind::Date:
    case Kind::Time:
    case Kind::DateTime: return value.text;
    case Kind::Array: {
      std::string out = "[";
      for (size_t i = 0; i < value.items.size(); ++i) out += (i ? ", " : "") + literal(value.items[i]);
      return out + "]";
    }
    case Kind::Table: return "{...}";
    case Kind::TableArray: return "[{...}]";
  }
  return "?";
}

std::string describe(const ConfigValue& value) {
  using Kind = ConfigValue::Kind;
  switch (value.kind) {
    case Kind::Bool: return "bool " + literal(value);
    case Kind::Int: return "integer " + literal(value);
    case Kind::Float: return "float " + literal(value);
    case Kind::String: return "string " + literal(value);
    case Kind::Date: return "date " + value.text;
    case Kind::Time: return "time " + value.text;
    case Kind::DateTime: return "date-time " + value.text;
    case Kind::Array: return "array " + literal(value);
    case Kind::Table: return "table";
    case Kind::TableArray: return "array of tables";
  }
  return "?";
}

std::string key_segment(const std::string& name) {
  bool bare = !name.empty();
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    bare = bare && ok;
  }
  return bare ? name : to_toml_literal(name);
}

}  // namespace finetrain::host
