#include "config/config_writer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/config_entry.hpp"
#include "config/schema_text.hpp"
#include "finetrain/build_config.h"

namespace finetrain::host {
namespace {

// TOML for the first `count` segments of a dotted key ("a.\"b c\"").
std::string toml_key(const std::vector<std::string>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? "." : "") + key_segment(segments[i]);
  return out;
}

std::string toml_key(const std::string& dotted) {
  auto segments = key_path(dotted);
  return toml_key(segments, segments.size());
}

struct TableGroup {
  std::string path;  // the [table] header; empty for top-level keys
  std::vector<const OptionSpec*> specs;
};

// Root first (TOML needs top-level keys before any header), then tables in schema order.
std::vector<TableGroup> group_by_table(const ConfigSchema& schema) {
  std::vector<TableGroup> groups{TableGroup{"", {}}};
  for (const OptionSpec& spec : schema.keys()) {
    auto segments = key_path(spec.key);
    std::string path = toml_key(segments, segments.size() - 1);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const TableGroup& g) { return g.path == path; });
    if (it == groups.end()) it = groups.insert(groups.end(), TableGroup{path, {}});
    it->specs.push_back(&spec);
  }
  return groups;
}

bool is_block_list(const OptionSpec& spec, const Options& options) {
  return spec.type == ValueType::TableList && options.has(spec.key) && !options.get_table_list(spec.key).empty();
}

void write_entry_keys(std::string& out, const std::vector<OptionSpec>& item_keys, const Options& item) {
  for (const OptionSpec& key : item_keys)
    if (item.has(key.key)) out += fmt::format("{} = {}\n", toml_key(key.key), to_toml_literal(item.get(key.key)));
}

void write_group(std::string& out, const TableGroup& group, const Options& options) {
  std::vector<const OptionSpec*> plain, blocks;
  for (const OptionSpec* spec : group.specs) (is_block_list(*spec, options) ? blocks : plain).push_back(spec);

  if (!group.path.empty() && !plain.empty()) out += fmt::format("\n[{}]\n", group.path);
  for (const OptionSpec* spec : plain) {
    std::string name = key_segment(key_path(spec->key).back());
    if (options.has(spec->key)) {
      out += fmt::format("{} = {}\n", name, to_toml_literal(options.get(spec->key)));
    } else {
      out += fmt::format("# {} is not set\n", name);
    }
  }
  for (const OptionSpec* spec : blocks) {
    for (const auto& item : options.get_table_list(spec->key)) {
      out += fmt::format("\n[[{}]]\n", toml_key(spec->key));
      write_entry_keys(out, spec->item_keys, *item);
    }
  }
}

}  // namespace

std::string write_resolved_config(const Options& options, const ConfigSchema& schema) {
  std::string out = fmt::format(
      "# Resolved configuration of a finetrain run, written by finetrain {}: every key, defaults included.\n"
      "# Run it again with `finetrain <this file>`; check it with `finetrain config check <this file>`.\n",
      FT_SDK_VERSION);
  for (const TableGroup& group : group_by_table(schema)) write_group(out, group, options);
  return out;
}

}  // namespace finetrain::host
