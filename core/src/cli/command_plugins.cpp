// `finetrain plugins [list|inspect FILE] [--json]`: what is installed and whether it is compatible,
// from the manifests alone — no plugin code runs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
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
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir.path, ec))
      if (e.is_regular_file() && e.path().extension() == ".so") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      FileReport r = inspect_file(f.string());
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
    j["fingerprint"] = r.manifest->fingerprint;
  }
  return j;
}

void print_table(const std::vector<FileReport>& reports) {
  if (reports.empty()) {
    std::cout << "no plugins found (search path: finetrain --log-level debug plugins)\n";
    return;
  }
  std::cout << fmt::format("{:<18} {:<20} {:<9} {:<5} {:<10} {}\n", "KIND", "NAME", "VERSION", "ABI", "COMPATIBLE", "FILE");
  for (const auto& r : reports) {
    std::string kind = r.manifest ? host::kind_name(r.manifest->kind) : "?";
    std::string name = r.manifest ? r.manifest->name : "?";
    std::string version = r.manifest ? r.manifest->version : "?";
    std::string abi = r.manifest ? abi_text(*r.manifest) : "?";
    std::string compat = r.compatibility.compatible ? "yes" : "no: " + r.compatibility.reason;
    std::cout << fmt::format("{:<18} {:<20} {:<9} {:<5} {:<10} {}\n", kind, name, version, abi,
                             r.compatibility.compatible ? "yes" : "no", r.file);
    if (!r.compatibility.compatible) std::cout << "    " << compat << "\n";
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
              << "fingerprint: " << r.manifest->fingerprint << "\n";
  }
  std::cout << "host:        " << host::host_fingerprint() << "\n"
            << "compatible:  " << (r.compatibility.compatible ? "yes" : "no: " + r.compatibility.reason) << "\n";
}

}  // namespace

void add_plugins_command(CLI::App& app, CliState& state) {
  auto* plugins = app.add_subcommand("plugins", "List installed plugins and check their compatibility (no plugin code runs)");
  plugins->add_flag("--json", state.json, "Machine-readable output");
  auto* list = plugins->add_subcommand("list", "List every plugin on the search path (default)");
  list->add_flag("--json", state.json, "Machine-readable output");
  auto* inspect = plugins->add_subcommand("inspect", "Show one plugin file's manifest and compatibility");
  auto file = std::make_shared<std::string>();
  inspect->add_option("FILE", *file, "Plugin file (.so)")->required();
  inspect->add_flag("--json", state.json, "Machine-readable output");

  plugins->callback([&state, plugins, inspect, file] {
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
    (void)plugins;
  });
}

}  // namespace finetrain::cli
