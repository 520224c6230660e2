// Finding the checkpoint in a directory and reading a shard index.
#include "safetensors/checkpoint_layout.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "finetrain/error.hpp"

namespace finetrain::safetensors::detail {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string listing(const std::vector<std::string>& names) {
  constexpr size_t kShown = 6;
  if (names.size() <= kShown) return fmt::format("{}", fmt::join(names, ", "));
  return fmt::format("{}, ... ({} more)", fmt::join(names.begin(), names.begin() + kShown, ", "),
                     names.size() - kShown);
}

std::string choose_one(const fs::path& directory, const std::vector<std::string>& candidates) {
  if (candidates.size() == 1) return (directory / candidates[0]).string();
  throw Error(fmt::format("{}: several checkpoints ({}); name the file to load instead of the directory",
                          directory.string(), listing(candidates)));
}

// A shard must stay inside the index's folder: a relative path without "..".
bool is_contained_relative_path(const std::string& shard) {
  const fs::path p(shard);
  if (shard.empty() || p.is_absolute() || !p.has_filename()) return false;
  return std::none_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

}  // namespace

std::string checkpoint_in_directory(const std::string& directory) {
  const fs::path dir(directory);
  std::vector<std::string> standard;
  for (const char* name : {"diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.safetensors",
                           "model.safetensors.index.json", "model.safetensors"}) {
    if (fs::is_regular_file(dir / name)) standard.push_back(name);
  }
  if (!standard.empty()) return choose_one(dir, standard);

  std::vector<std::string> indexes, files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    if (ends_with(name, ".safetensors.index.json")) indexes.push_back(name);
    if (ends_with(name, ".safetensors")) files.push_back(name);
  }
  if (ec) throw Error(fmt::format("{}: cannot list: {}", directory, ec.message()));
  std::sort(indexes.begin(), indexes.end());
  std::sort(files.begin(), files.end());
  if (!indexes.empty()) return choose_one(dir, indexes);  // the .safetensors beside an index are its shards
  if (!files.empty()) return choose_one(dir, files);
  throw Error(fmt::format("{}: no .safetensors file or *.safetensors.index.json in this directory", directory));
}

std::map<std::string, std::string> read_weight_map(const std::string& index_path) {
  std::ifstream in(index_path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", index_path));

  // JSON objects may repeat a key (the last one wins); a tensor listed twice is an error here.
  std::string top_key, duplicate;
  std::set<std::string> listed;
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event != nlohmann::json::parse_event_t::key) return true;
    const auto& key = parsed.get_ref<const std::string&>();
    if (depth == 1) top_key = key;
    if (depth == 2 && top_key == "weight_map" && !listed.insert(key).second && duplicate.empty()) duplicate = key;
    return true;
  };
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in, on_event);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", index_path, e.what()));
  }
  if (!duplicate.empty()) throw Error(fmt::format("{}: weight_map lists tensor '{}' twice", index_path, duplicate));
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw Error(fmt::format("{}: no \"weight_map\" object", index_path));

  std::map<std::string, std::string> shard_of;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string())
      throw Error(fmt::format("{}: weight_map entry '{}' must be a shard file name, got {}", index_path, name,
                              shard.type_name()));
    const std::string file = shard.get<std::string>();
    if (!is_contained_relative_path(file))
      throw Error(fmt::format("{}: weight_map puts '{}' in \"{}\", which is not a file inside the index's folder",
                              index_path, name, file));
    shard_of.emplace(name, file);
  }
  return shard_of;
}

}  // namespace finetrain::safetensors::detail
