#include "config/plugin_schema.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::host {

void add_plugin_schema(ConfigSchema& combined, const ConfigSchema& plugin, const std::string& label,
                       const std::string& section) {
  for (const OptionSpec& spec : plugin.keys()) {
    if (!section.empty() && spec.key.compare(0, section.size() + 1, section + ".") != 0)
      throw Error(
          fmt::format("{} declares configuration key '{}' outside its section '{}.'", label, spec.key, section));
    if (combined.find(spec.key))
      throw Error(fmt::format("{} declares configuration key '{}', which is already declared", label, spec.key));
    combined.add(spec);
  }
}

}  // namespace finetrain::host
