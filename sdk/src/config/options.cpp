#include "finetrain/options.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "finetrain/error.hpp"

namespace finetrain {

const char* to_string(ValueType type) {
  switch (type) {
    case ValueType::Bool: return "bool";
    case ValueType::Int: return "integer";
    case ValueType::Float: return "float";
    case ValueType::String: return "string";
    case ValueType::StringList: return "array of strings";
    case ValueType::TableList: return "array of tables";
  }
  return "?";
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        // TOML forbids raw control characters (U+0000-U+001F except tab, and U+007F) in strings.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string float_literal(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);  // shortest round-trip form
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string to_toml_literal(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return float_literal(d); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const StringList& l) const {
      std::string out = "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + quote(l[i]);
      return out + "]";
    }
    std::string operator()(const TableList& tables) const {
      std::string out = "[";
      for (size_t i = 0; i < tables.size(); ++i) {
        out += i ? ", {" : "{";
        bool first = true;
        for (const auto& [k, v] : tables[i]->values()) {
          if (std::holds_alternative<std::monostate>(v)) continue;
          out += (first ? " " : ", ") + k + " = " + to_toml_literal(v);
          first = false;
        }
        out += " }";
      }
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

Options::Options() = default;
Options::~Options() = default;
Options::Options(const Options&) = default;
Options& Options::operator=(const Options&) = default;

bool Options::has(const std::string& key) const {
  auto it = values_.find(key);
  return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

const Value& Options::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || std::holds_alternative<std::monostate>(it->second))
    throw Error(fmt::format("configuration key '{}' has no value", key));
  return it->second;
}

namespace {
template <class T>
const T& typed(const Options& o, const std::string& key, const char* expected) {
  const Value& v = o.get(key);
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw Error(fmt::format("configuration key '{}' is not a {}", key, expected));
}
}  // namespace

bool Options::get_bool(const std::string& key) const { return typed<bool>(*this, key, "bool"); }
int64_t Options::get_int(const std::string& key) const { return typed<int64_t>(*this, key, "integer"); }
double Options::get_float(const std::string& key) const {
  const Value& v = get(key);
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return typed<double>(*this, key, "float");
}
const std::string& Options::get_string(const std::string& key) const {
  return typed<std::string>(*this, key, "string");
}
const StringList& Options::get_string_list(const std::string& key) const {
  return typed<StringList>(*this, key, "array of strings");
}
const TableList& Options::get_table_list(const std::string& key) const {
  return typed<TableList>(*this, key, "array of tables");
}

void Options::set(const std::string& key, Value value) { values_[key] = std::move(value); }

Options Options::section(const std::string& prefix) const {
  Options out;
  const std::string p = prefix + ".";
  for (auto it = values_.lower_bound(p); it != values_.end() && it->first.compare(0, p.size(), p) == 0; ++it)
    out.values_.emplace(it->first.substr(p.size()), it->second);
  return out;
}

}  // namespace finetrain
