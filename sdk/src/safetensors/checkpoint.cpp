// Checkpoints that may be split into shards: a single file, a *.safetensors.index.json, or a
// directory holding either. Every tensor must live in exactly one shard, the one the index names.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <system_error>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "safetensors/checkpoint_layout.hpp"

namespace finetrain::safetensors {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class ShardedCheckpoint final : public Checkpoint {
 public:
  // A single file is a checkpoint with one shard.
  explicit ShardedCheckpoint(std::shared_ptr<const File> file) : path_(file->path()) {
    metadata_ = file->metadata();
    for (const auto& info : file->tensors()) location_.emplace(info.name, Location{file.get(), &info});
    shards_.push_back(std::move(file));
  }

  // Opens every shard of an index and checks it against the weight_map both ways.
  ShardedCheckpoint(const std::string& index_path, const std::map<std::string, std::string>& shard_of)
      : path_(index_path) {
    std::map<std::string, std::vector<std::string>> names_by_shard;
    for (const auto& [name, shard] : shard_of) names_by_shard[shard].push_back(name);
    const fs::path dir = fs::path(index_path).parent_path();
    for (const auto& [shard, names] : names_by_shard) {
      std::shared_ptr<const File> file;
      try {
        file = File::open((dir / shard).string());
      } catch (const Error& e) {
        throw Error(fmt::format("{}: shard {} (listed for '{}'{}): {}", index_path, shard, names[0],
                                names.size() > 1 ? fmt::format(" and {} more", names.size() - 1) : "", e.what()));
      }
      for (const auto& name : names)
        if (!file->find(name))
          throw Error(fmt::format("{}: weight_map puts '{}' in {}, which has no such tensor", index_path, name, shard));
      for (const auto& info : file->tensors()) {
        auto listed = shard_of.find(info.name);
        if (listed == shard_of.end())
          throw Error(fmt::format("{}: tensor '{}' is not listed in {}", file->path(), info.name, index_path));
        if (listed->second != shard)
          throw Error(fmt::format("{}: tensor '{}' is in two shards: {} (where the index lists it) and {}", index_path,
                                  info.name, listed->second, shard));
        location_.emplace(info.name, Location{file.get(), &info});
      }
      if (shards_.empty()) metadata_ = file->metadata();
      shards_.push_back(std::move(file));
    }
  }

  const std::string& path() const override { return path_; }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    out.reserve(location_.size());
    for (const auto& [name, location] : location_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return location_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const override { return *locate(name).info; }
  at::Tensor tensor(const std::string& name) const override { return locate(name).file->tensor(name); }
  at::Tensor read(const std::string& name) const override { return locate(name).file->read(name); }
  const Metadata& metadata() const override { return metadata_; }

 private:
  struct Location {
    const File* file;
    const TensorInfo* info;
  };

  const Location& locate(const std::string& name) const {
    auto it = location_.find(name);
    if (it == location_.end()) throw Error(fmt::format("{}: no tensor named '{}'", path_, name));
    return it->second;
  }

  std::string path_;
  std::vector<std::shared_ptr<const File>> shards_;  // owners of the Files that location_ points into
  std::map<std::string, Location> location_;
  Metadata metadata_;
};

}  // namespace

Checkpoint::~Checkpoint() = default;

std::shared_ptr<const Checkpoint> Checkpoint::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return open(detail::checkpoint_in_directory(path));
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file or directory", path));
  if (ends_with(path, ".index.json")) return std::make_shared<ShardedCheckpoint>(path, detail::read_weight_map(path));
  return std::make_shared<ShardedCheckpoint>(File::open(path));
}

TensorMap load(const std::string& path) {
  auto checkpoint = Checkpoint::open(path);
  TensorMap out;
  for (const auto& name : checkpoint->names()) out.emplace(name, checkpoint->tensor(name));
  return out;
}

}  // namespace finetrain::safetensors
