#include "config/schema_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <variant>

namespace finetrain::host {

std::string range_text(const OptionSpec& spec) {
  if (!spec.min && !spec.max) return "";
  std::string lo = spec.min ? fmt::format("[{}", *spec.min) : "(-inf";
  std::string hi = spec.max ? fmt::format("{}]", *spec.max) : "inf)";
  return lo + ", " + hi;
}

std::string allowed_text(const OptionSpec& spec) { return fmt::format("{}", fmt::join(spec.allowed, ", ")); }

std::string default_text(const OptionSpec& spec) {
  if (std::holds_alternative<std::monostate>(spec.default_value)) return "";
  return to_toml_literal(spec.default_value);
}

std::vector<std::string> key_path(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  return parts;
}

std::vector<std::string> section_names(const std::vector<OptionSpec>& specs) {
  std::vector<std::string> sections;
  for (const OptionSpec& spec : specs) {
    for (size_t dot = spec.key.find('.'); dot != std::string::npos; dot = spec.key.find('.', dot + 1)) {
      std::string prefix = spec.key.substr(0, dot);
      if (std::find(sections.begin(), sections.end(), prefix) == sections.end()) sections.push_back(prefix);
    }
  }
  return sections;
}

}  // namespace finetrain::host
