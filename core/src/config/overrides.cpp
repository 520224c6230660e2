#include "config/overrides.hpp"

#include <cstdint>

#include "config/toml_reader.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

std::string trimmed(const std::string& s) {
  const char* space = " \t";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

// Command-line bytes need not be UTF-8; TOML (and so the resolved config) must be.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > s.size()) return false;
    uint32_t code = length == 1 ? c : c & (0xff >> (length + 1));
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next >> 6) != 0x2) return false;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static const uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return false;
    i += length;
  }
  return true;
}

}  // namespace

Override parse_override(const std::string& text) {
  SourceLocation location{"--set " + text, 0, 0};
  size_t eq = text.find('=');
  std::string key = eq == std::string::npos ? "" : trimmed(text.substr(0, eq));
  if (key.empty()) throw Error(location.to_string() + ": expected key=value");
  return Override{key, text.substr(eq + 1), location};
}

std::vector<ConfigEntry> override_entries(const Override& given, const ConfigSchema& schema) {
  auto parsed = parse_toml_value(given.key, given.value_text, given.location);
  const OptionSpec* spec = schema.find(given.key);
  const bool wants_string = spec && spec->type == ValueType::String;
  const bool parsed_string = parsed && parsed->size() == 1 && parsed->front().value.kind == ConfigValue::Kind::String;
  if (parsed && (!wants_string || parsed_string)) return *parsed;

  if (!valid_utf8(given.value_text)) throw Error(given.location.to_string() + ": the value is not valid UTF-8");
  ConfigValue text;
  text.kind = ConfigValue::Kind::String;
  text.text = given.value_text;
  text.location = given.location;
  return {ConfigEntry{given.key, given.location, std::move(text)}};
}

}  // namespace finetrain::host
