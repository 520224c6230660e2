#include "config/toml_reader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// Turns a toml++ tree into entries: each table entry is followed by its own keys (depth first).
class Flattener {
 public:
  // `fixed`: one location for everything (a --set value has no positions of its own).
  Flattener(std::string source, std::optional<SourceLocation> fixed)
      : source_(std::move(source)), fixed_(std::move(fixed)) {}

  void add_table(const toml::table& table, const std::string& prefix, std::vector<ConfigEntry>& out) const {
    for (const auto& [key, node] : table) {
      std::string name = key_segment(std::string(key.str()));
      add_entry(prefix.empty() ? name : prefix + "." + name, location(key.source()), node, out);
    }
  }

  void add_entry(const std::string& key, const SourceLocation& key_location, const toml::node& node,
                 std::vector<ConfigEntry>& out) const {
    out.push_back(ConfigEntry{key, key_location, value(node)});
    if (const toml::table* table = node.as_table()) add_table(*table, key, out);
  }

 private:
  SourceLocation location(const toml::source_region& region) const {
    if (fixed_) return *fixed_;
    return SourceLocation{source_, static_cast<int64_t>(region.begin.line), static_cast<int64_t>(region.begin.column)};
  }

  template <class T>
  static std::string text_of(const T& v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

  ConfigValue value(const toml::node& node) const {
    using Kind = ConfigValue::Kind;
    ConfigValue v;
    v.location = location(node.source());
    if (const auto* s = node.as_string()) {
      v.kind = Kind::String;
      v.text = s->get();
    } else if (const auto* i = node.as_integer()) {
      v.kind = Kind::Int;
      v.integer = i->get();
    } else if (const auto* f = node.as_floating_point()) {
      v.kind = Kind::Float;
      v.number = f->get();
    } else if (const auto* b = node.as_boolean()) {
      v.kind = Kind::Bool;
      v.boolean = b->get();
    } else if (const auto* d = node.as_date()) {
      v.kind = Kind::Date;
      v.text = text_of(d->get());
    } else if (const auto* t = node.as_time()) {
      v.kind = Kind::Time;
      v.text = text_of(t->get());
    } else if (const auto* dt = node.as_date_time()) {
      v.kind = Kind::DateTime;
      v.text = text_of(dt->get());
    } else if (const auto* array = node.as_array()) {
      // `[[a]]` blocks and `a = [{...}, {...}]` both read as arrays of tables.
      if (!array->empty() && array->is_array_of_tables()) {
        v.kind = Kind::TableArray;
        for (const toml::node& element : *array) {
          ConfigTable table{location(element.source()), {}};
          add_table(*element.as_table(), "", table.entries);
          v.tables.push_back(std::move(table));
        }
      } else {
        v.kind = Kind::Array;
        for (const toml::node& element : *array) v.items.push_back(value(element));
      }
    } else {
      v.kind = Kind::Table;
    }
    return v;
  }

  std::string source_;
  std::optional<SourceLocation> fixed_;
};

toml::table parse_or_throw(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    SourceLocation at{source, static_cast<int64_t>(e.source().begin.line),
                      static_cast<int64_t>(e.source().begin.column)};
    throw Error(fmt::format("{}: invalid TOML: {}", at.to_string(), e.description()));
  }
}

}  // namespace

std::vector<ConfigEntry> read_toml_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(fmt::format("{}: cannot read: is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad() || text.bad()) throw Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  return parse_toml_text(text.str(), path);
}

std::vector<ConfigEntry> parse_toml_text(std::string_view text, const std::string& source) {
  toml::table document = parse_or_throw(text, source);
  std::vector<ConfigEntry> out;
  Flattener(source, std::nullopt).add_table(document, "", out);
  return out;
}

std::optional<std::vector<ConfigEntry>> parse_toml_value(const std::string& key, std::string_view value_text,
                                                         const SourceLocation& location) {
  const std::string document = "v = " + std::string(value_text);
  toml::table parsed;
  try {
    parsed = toml::parse(document, std::string_view(location.source));
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  // One value only: text such as `1\nother = 2` parses, but is not one value.
  if (parsed.size() != 1 || !parsed.contains("v")) return std::nullopt;
  std::vector<ConfigEntry> out;
  Flattener(location.source, location).add_entry(key, location, *parsed.get("v"), out);
  return out;
}

}  // namespace finetrain::host
