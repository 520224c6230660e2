#include "parity/fixture_folder.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "finetrain/error.hpp"
#include "finetrain/text_file.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

bool is_case(const ordered_json& value) {
  return value.is_object() && value.contains("config") && value["config"].is_object();
}

std::string case_class(const ordered_json& value, const std::string& where) {
  const auto& config = value["config"];
  if (!config.contains("_class_name") || !config["_class_name"].is_string())
    throw Error(fmt::format("{}: \"config\" has no \"_class_name\" string", where));
  return config["_class_name"].get<std::string>();
}

}  // namespace

FixtureFolder FixtureFolder::open(const std::string& directory) {
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("{}: not a directory", directory));
  FixtureFolder folder;
  folder.directory = directory;
  if (fs::exists(dir / "README.md", ec)) folder.readme = read_text_file((dir / "README.md").string());

  const fs::path config_path = dir / "config.json";
  ordered_json config;
  try {
    config = ordered_json::parse(read_text_file(config_path.string()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", config_path.string(), e.what()));
  }
  if (!config.is_object()) throw Error(fmt::format("{}: expected a JSON object", config_path.string()));

  if (config.contains("_class_name")) {
    if (!config["_class_name"].is_string())
      throw Error(fmt::format("{}: \"_class_name\" must be a string", config_path.string()));
    folder.kind = FixtureKind::Component;
    folder.class_name = config["_class_name"].get<std::string>();
    return folder;
  }

  folder.kind = FixtureKind::Scheduler;
  if (is_case(config)) {
    folder.class_name = case_class(config, config_path.string());
    folder.cases.push_back({"", config.dump()});
    return folder;
  }
  for (const auto& [name, value] : config.items()) {
    const std::string where = fmt::format("{}: case \"{}\"", config_path.string(), name);
    if (!is_case(value))
      throw Error(fmt::format("{}: expected {{\"config\": {{...}}, \"set_timesteps\": {{...}}}}", where));
    const std::string class_name = case_class(value, where);
    if (!folder.class_name.empty() && class_name != folder.class_name)
      throw Error(fmt::format("{}: class {} differs from {} of the other cases", where, class_name, folder.class_name));
    folder.class_name = class_name;
    folder.cases.push_back({name, value.dump()});
  }
  if (folder.cases.empty())
    throw Error(
        fmt::format("{}: neither a component config (\"_class_name\") nor scheduler cases "
                    "({{\"config\": ..., \"set_timesteps\": ...}})",
                    config_path.string()));
  return folder;
}

}  // namespace finetrain::host
