// `finetrain plugins [list|inspect FILE] [--json]`: what is installed and whether it is compatible,
// from the manifests alone — no plugin code runs.
// `finetrain plugins check [--json]`: loads every plugin on the search path and instantiates each
// registered component once, what a user runs after installing a plugin.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "plugin_host/component_check.hpp"
#include "plugin_host/plugin_host.hpp"

namespace finetrain::cli {
namespace {

namespace fs = std::filesystem;

struct FileReport {
  std::string file;
  std::optional<host::ManifestInfo> manifest;
  host::Compatibility compatibility;
};

FileReport inspect_file(const std::string& file) {
  FileReport r{file, std::nullopt, {false, ""}};
  try {
    r.manifest = host::read_manifest(file);
    r.compatibility = host::check_compatibility(*r.manifest);
  } catch (const std::exception& e) {
    std::string m = e.what();
    if (m.rfind(file + ": ", 0) == 0) m = m.substr(file.size() + 2);
    r.compatibility = {false, m};
  }
  return r;
}

std::vector<FileReport> inspect_search_path(const std::vector<std::string>& cli_dirs) {
  std::vector<FileReport> reports;
  std::map<std::string, std::string> first_by_name;
  for (const auto& dir : host::plugin_search_path(cli_dirs)) {
    std::error_code ec;
    if (!fs::is_directory(dir.path, ec)) continue;
    for (const auto& f : host::plugin_files(dir.path)) {
      FileReport r = inspect_file(f);
      // Same rule as loading: the first plugin of a name wins.
      if (r.manifest && r.compatibility.compatible) {
        auto [it, fresh] = first_by_name.emplace(r.manifest->name, r.file);
        if (!fresh) r.compatibility = {false, "duplicate plugin name '" + r.manifest->name + "': first found in " + it->second};
      }
      reports.push_back(std::move(r));
    }
  }
  return reports;
}

std::string abi_text(const host::ManifestInfo& m) { return fmt::format("{}.{}", m.abi_major, m.abi_minor); }

// Names of the manifest's FT_MANIFEST_FLAG_* bits; unknown bits as hex.
std::vector<std::string> flag_names(uint32_t flags) {
  std::vector<std::string> names;
  if (flags & FT_MANIFEST_FLAG_DEEPBIND) names.push_back("deepbind");
  if (uint32_t unknown = flags & ~FT_MANIFEST_FLAG_DEEPBIND) names.push_back(fmt::format("0x{:x}", unknown));
  return names;
}

nlohmann::json to_json(const FileReport& r) {
  nlohmann::json j;
  j["file"] = r.file;
  j["compatible"] = r.compatibility.compatible;
  j["reason"] = r.compatibility.reason;
  if (r.manifest) {
    j["kind"] = host::kind_name(r.manifest->kind);
    j["name"] = r.manifest->name;
    j["version"] = r.manifest->version;
    j["description"] = r.manifest->description;
    j["sdk_abi"] = abi_text(*r.manifest);
    j["flags"] = flag_names(r.manifest->flags);
    j["fingerprint"] = r.manifest->fingerprint;
  }
  return j;
}

void print_table(const std::vector<FileReport>& reports) {
  if (reports.empty()) {
    std::cout << "no plugins found (search path: finetrain --log-level debug plugins)\n";
    return;
  }
  using Row = std::array<std::string, 6>;
  std::vector<Row> rows = {{"KIND", "NAME", "VERSION", "ABI", "COMPATIBLE", "FILE"}};
  for (const auto& r : reports) {
    const auto* m = r.manifest ? &*r.manifest : nullptr;
    rows.push_back({m ? host::kind_name(m->kind) : "?", m ? m->name : "?", m ? m->version : "?",
                    m ? abi_text(*m) : "?", r.compatibility.compatible ? "yes" : "no", r.file});
  }
  std::array<size_t, 6> width{};
  for (const Row& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", row[0], width[0], row[1], width[1], row[2],
                             width[2], row[3], width[3], row[4], width[4], row[5]);
    // The reason goes under the refused plugin's line.
    if (i > 0 && !reports[i - 1].compatibility.compatible)
      std::cout << "    no: " << reports[i - 1].compatibility.reason << "\n";
  }
}

void print_inspect(const FileReport& r) {
  std::cout << "file:        " << r.file << "\n";
  if (r.manifest) {
    std::cout << "kind:        " << host::kind_name(r.manifest->kind) << "\n"
              << "name:        " << r.manifest->name << "\n"
              << "version:     " << r.manifest->version << "\n"
              << "description: " << r.manifest->description << "\n"
              << "sdk abi:     " << abi_text(*r.manifest) << "\n"
              << "flags:       " << fmt::format("{}", fmt::join(flag_names(r.manifest->flags), ", ")) << "\n"
              << "fingerprint: " << r.manifest->fingerprint << "\n";
  }
  std::cout << "host:        " << host::host_fingerprint() << "\n"
            << "compatible:  " << (r.compatibility.compatible ? "yes" : "no: " + r.compatibility.reason) << "\n";
}

// ---- plugins check ----

struct CheckedComponent {
  const host::ComponentInfo* info;
  host::ComponentCheck check;
};

constexpr uint32_t kAllKinds[] = {FT_PLUGIN_KIND_MODEL, FT_PLUGIN_KIND_TRAINER, FT_PLUGIN_KIND_PARALLEL_BACKEND,
                                  FT_PLUGIN_KIND_ATTENTION_BACKEND, FT_PLUGIN_KIND_TOKENIZER};

std::vector<CheckedComponent> check_components(const host::PluginHost& plugin_host) {
  std::vector<CheckedComponent> out;
  for (uint32_t kind : kAllKinds)
    for (const host::ComponentInfo* info : plugin_host.components(kind))
      out.push_back({info, host::check_component(plugin_host, *info)});
  return out;
}

nlohmann::json to_json(const host::PluginStatus& s) {
  nlohmann::json j;
  j["file"] = s.path;
  j["name"] = s.manifest ? s.manifest->name : "";
  j["version"] = s.manifest ? s.manifest->version : "";
  j["loaded"] = s.loaded;
  j["error"] = s.error;
  j["components"] = s.components;
  return j;
}

nlohmann::json to_json(const CheckedComponent& c) {
  nlohmann::json j;
  j["kind"] = host::kind_name(c.info->kind);
  j["name"] = c.info->name;
  j["version"] = c.info->version;
  j["plugin"] = c.info->plugin;
  j["file"] = c.info->file;
  j["interface"] = c.info->interface_name;
  j["interface_version"] = c.info->interface_version;
  j["ok"] = c.check.ok;
  j["error"] = c.check.error;
  j["detail"] = c.check.detail;
  return j;
}

void print_check(const std::deque<host::PluginStatus>& plugins, const std::vector<CheckedComponent>& components) {
  if (plugins.empty()) std::cout << "no plugins found (search path: finetrain --log-level debug plugins check)\n";
  for (const auto& p : plugins) {
    if (p.loaded)
      std::cout << fmt::format("loaded  {} {} ({})\n", p.manifest->name, p.manifest->version, p.path);
    else
      std::cout << fmt::format("FAILED  {}: {}\n", p.path, p.error);
  }
  if (components.empty()) return;
  std::cout << fmt::format("\n{:<18} {:<20} {:<28} {}\n", "KIND", "NAME", "INTERFACE", "STATUS");
  for (const auto& c : components) {
    std::string interface = c.info->interface_name.empty()
                                ? "(plain C)"
                                : fmt::format("{} v{}", c.info->interface_name, c.info->interface_version);
    std::cout << fmt::format("{:<18} {:<20} {:<28} {}\n", host::kind_name(c.info->kind), c.info->name, interface,
                             c.check.ok ? "ok" : "FAILED: " + c.check.error);
  }
}

// Returns false when a plugin failed to load or a component failed to instantiate.
bool run_check(CliState& state) {
  host::PluginHost& plugin_host = state.plugin_host();
  const auto& plugins = plugin_host.statuses();
  const auto components = check_components(plugin_host);
  bool ok = std::all_of(plugins.begin(), plugins.end(), [](const auto& p) { return p.loaded; }) &&
            std::all_of(components.begin(), components.end(), [](const auto& c) { return c.check.ok; });
  if (state.json) {
    nlohmann::json j;
    j["ok"] = ok;
    j["host_fingerprint"] = host::host_fingerprint();
    j["plugins"] = nlohmann::json::array();
    for (const auto& p : plugins) j["plugins"].push_back(to_json(p));
    j["components"] = nlohmann::json::array();
    for (const auto& c : components) j["components"].push_back(to_json(c));
    std::cout << j.dump(2) << "\n";
  } else {
    print_check(plugins, components);
  }
  return ok;
}

}  // namespace

void add_plugins_command(CLI::App& app, CliState& state) {
  auto* plugins = app.add_subcommand("plugins", "List installed plugins and check their compatibility");
  plugins->add_flag("--json", state.json, "Machine-readable output");
  auto* list = plugins->add_subcommand("list", "List every plugin on the search path (default)");
  list->add_flag("--json", state.json, "Machine-readable output");
  auto* inspect = plugins->add_subcommand("inspect", "Show one plugin file's manifest and compatibility");
  auto file = std::make_shared<std::string>();
  inspect->add_option("FILE", *file, "Plugin file (.so)")->required();
  inspect->add_flag("--json", state.json, "Machine-readable output");
  auto* check = plugins->add_subcommand("check",
                                        "Load every plugin on the search path, instantiate each component once; "
                                        "exit 1 on any failure");
  check->add_flag("--json", state.json, "Machine-readable output");
  // Global options (--plugin-path, --log-level) may also follow the verb.
  for (CLI::App* command : {plugins, list, inspect, check}) command->fallthrough();

  plugins->callback([&state, inspect, check, file] {
    if (check->parsed()) {
      if (!run_check(state)) throw CLI::RuntimeError(1);
      return;
    }
    if (inspect->parsed()) {
      FileReport r = inspect_file(*file);
      if (state.json) {
        nlohmann::json j = to_json(r);
        j["host_fingerprint"] = host::host_fingerprint();
        std::cout << j.dump(2) << "\n";
      } else {
        print_inspect(r);
      }
      if (!r.compatibility.compatible) throw CLI::RuntimeError(1);
      return;
    }
    auto reports = inspect_search_path(state.plugin_paths);
    if (state.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& r : reports) j.push_back(to_json(r));
      std::cout << j.dump(2) << "\n";
    } else {
      print_table(reports);
    }
  });
}

}  // namespace finetrain::cli
