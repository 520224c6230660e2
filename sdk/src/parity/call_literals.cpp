#include "finetrain/call_literals.hpp"

#include <fmt/format.h>

#include <cctype>

#include "finetrain/error.hpp"

namespace finetrain {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  size_t e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool is_literal(const std::string& v) {
  if (v.empty()) return false;
  if (v == "True" || v == "False" || v == "None") return true;
  const char c = v.front();
  return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' || c == '(' || c == '[' ||
         c == '"' || c == '\'';
}

double parse_number(const std::string& text, const std::string& key) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) throw Error(fmt::format("call argument '{}' = {} is not a number", key, text));
  return value;
}

}  // namespace

CallLiterals::CallLiterals(const std::string& call) {
  // Walk the text keeping track of bracket depth, so "a=(1, 2), b=3" splits only at depth-1 commas.
  const size_t open = call.find('(');
  if (open == std::string::npos) return;
  int depth = 0;
  std::string current;
  auto flush = [&] {
    const size_t eq = current.find('=');
    if (eq != std::string::npos) {
      std::string key = trim(current.substr(0, eq));
      std::string value = trim(current.substr(eq + 1));
      bool identifier = !key.empty();
      for (char c : key) identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
      if (identifier && is_literal(value)) values_[key] = value;
    }
    current.clear();
  };
  for (size_t i = open + 1; i < call.size(); ++i) {
    const char c = call[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) {
        flush();
        break;
      }
      --depth;
    }
    if (c == ',' && depth == 0) {
      flush();
      continue;
    }
    current += c;
  }
}

bool CallLiterals::has(const std::string& key) const { return values_.count(key) != 0; }

namespace {
const std::string& lookup(const std::map<std::string, std::string>& values, const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) throw Error(fmt::format("the reference call has no literal argument '{}'", key));
  return it->second;
}
}  // namespace

int64_t CallLiterals::get_int(const std::string& key) const {
  const std::string& text = lookup(values_, key);
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) throw Error(fmt::format("call argument '{}' = {} is not an integer", key, text));
  return value;
}

double CallLiterals::get_float(const std::string& key) const { return parse_number(lookup(values_, key), key); }

bool CallLiterals::get_bool(const std::string& key) const {
  const std::string& text = lookup(values_, key);
  if (text == "True") return true;
  if (text == "False") return false;
  throw Error(fmt::format("call argument '{}' = {} is not True/False", key, text));
}

std::vector<double> CallLiterals::get_floats(const std::string& key) const {
  const std::string& text = lookup(values_, key);
  if (text.size() < 2 || !((text.front() == '(' && text.back() == ')') || (text.front() == '[' && text.back() == ']')))
    throw Error(fmt::format("call argument '{}' = {} is not a tuple or list", key, text));
  std::vector<double> out;
  std::string item;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ',') {
      if (!trim(item).empty()) out.push_back(parse_number(trim(item), key));
      item.clear();
    } else {
      item += text[i];
    }
  }
  if (!trim(item).empty()) out.push_back(parse_number(trim(item), key));
  return out;
}

}  // namespace finetrain
