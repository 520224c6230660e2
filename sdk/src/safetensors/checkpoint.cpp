// Checkpoints that may be split into shards: a single file, a *.safetensors.index.json, or a
// directory holding either (diffusers' and transformers' file names).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Picks the checkpoint inside a component directory.
std::string resolve_directory(const fs::path& dir) {
  for (const char* name : {"diffusion_pytorch_model.safetensors.index.json", "model.safetensors.index.json",
                           "diffusion_pytorch_model.safetensors", "model.safetensors"}) {
    if (fs::exists(dir / name)) return (dir / name).string();
  }
  std::vector<std::string> indexes, files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (ends_with(n, ".safetensors.index.json")) indexes.push_back(e.path().string());
    if (ends_with(n, ".safetensors")) files.push_back(e.path().string());
  }
  if (indexes.size() == 1) return indexes[0];
  if (indexes.empty() && files.size() == 1) return files[0];
  throw Error(fmt::format("{}: cannot tell which checkpoint to load ({} index files, {} .safetensors files); "
                          "name the file instead of the directory",
                          dir.string(), indexes.size(), files.size()));
}

class ShardedCheckpoint final : public Checkpoint {
 public:
  // A single file is a checkpoint with one shard.
  explicit ShardedCheckpoint(std::shared_ptr<const File> file) {
    metadata_ = file->metadata();
    add_shard(std::move(file), nullptr);
  }

  explicit ShardedCheckpoint(const std::string& index_path) {
    std::ifstream in(index_path);
    if (!in) throw Error(fmt::format("{}: cannot open", index_path));
    nlohmann::json index;
    try {
      index = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}: not valid JSON: {}", index_path, e.what()));
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      throw Error(fmt::format("{}: missing object \"weight_map\"", index_path));
    std::map<std::string, std::vector<std::string>> names_by_shard;
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) throw Error(fmt::format("{}: weight_map entry '{}' must be a file name", index_path, name));
      names_by_shard[shard.get<std::string>()].push_back(name);
    }
    const fs::path dir = fs::path(index_path).parent_path();
    for (const auto& [shard, names] : names_by_shard) {
      auto file = File::open((dir / shard).string());
      for (const auto& name : names)
        if (!file->find(name))
          throw Error(fmt::format("{}: weight_map places '{}' in {}, which has no such tensor", index_path, name, shard));
      if (metadata_.empty()) metadata_ = file->metadata();
      add_shard(std::move(file), &names);
    }
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    out.reserve(location_.size());
    for (const auto& [name, loc] : location_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return location_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const override { return *locate(name).second; }
  at::Tensor tensor(const std::string& name) const override { return locate(name).first->tensor(name); }
  const Metadata& metadata() const override { return metadata_; }

 private:
  // With an index, only the names it maps to this shard belong to the checkpoint.
  void add_shard(std::shared_ptr<const File> file, const std::vector<std::string>* names) {
    auto add = [&](const TensorInfo& info) {
      auto [it, fresh] = location_.emplace(info.name, std::make_pair(file.get(), &info));
      if (!fresh)
        throw Error(fmt::format("tensor '{}' is in two shards: {} and {}", info.name, it->second.first->path(),
                                file->path()));
    };
    if (names) {
      for (const auto& n : *names) add(*file->find(n));
    } else {
      for (const auto& info : file->tensors()) add(info);
    }
    shards_.push_back(std::move(file));
  }

  std::pair<const File*, const TensorInfo*> locate(const std::string& name) const {
    auto it = location_.find(name);
    if (it == location_.end()) throw Error(fmt::format("checkpoint has no tensor named '{}'", name));
    return it->second;
  }

  std::vector<std::shared_ptr<const File>> shards_;
  std::map<std::string, std::pair<const File*, const TensorInfo*>> location_;
  Metadata metadata_;
};

}  // namespace

Checkpoint::~Checkpoint() = default;

std::shared_ptr<const Checkpoint> Checkpoint::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return open(resolve_directory(path));
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file or directory", path));
  if (ends_with(path, ".index.json")) return std::make_shared<ShardedCheckpoint>(path);
  return std::make_shared<ShardedCheckpoint>(File::open(path));
}

TensorMap load(const std::string& path) {
  auto checkpoint = Checkpoint::open(path);
  TensorMap out;
  for (const auto& name : checkpoint->names()) out.emplace(name, checkpoint->tensor(name));
  return out;
}

}  // namespace finetrain::safetensors
