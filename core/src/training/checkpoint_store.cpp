#include "training/checkpoint_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTempPrefix = ".incomplete-";

}  // namespace

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open for fsync: {}", path, std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error(fmt::format("{}: fsync failed: {}", path, std::strerror(err)));
}

CheckpointStore::CheckpointStore(std::string checkpoints_dir, int64_t keep_last)
    : dir_(std::move(checkpoints_dir)), keep_last_(keep_last) {}

std::string CheckpointStore::path_for(int64_t step) const { return (fs::path(dir_) / fmt::format("step_{}", step)).string(); }

std::string CheckpointStore::save(int64_t step, const std::function<void(const std::string&)>& write) {
  fs::create_directories(dir_);
  const fs::path temp = fs::path(dir_) / fmt::format("{}step_{}-{}", kTempPrefix, step, ::getpid());
  fs::remove_all(temp);
  fs::create_directories(temp);
  write(temp.string());
  for (const auto& entry : fs::recursive_directory_iterator(temp)) fsync_path(entry.path().string());
  fsync_path(temp.string());

  const fs::path final_path = path_for(step);
  if (fs::exists(final_path)) {
    // Rare (a resumed run saving the same step again): move the old one aside first so the rename
    // below stays atomic.
    const fs::path old = fs::path(dir_) / fmt::format("{}replaced-step_{}-{}", kTempPrefix, step, ::getpid());
    fs::rename(final_path, old);
    fs::rename(temp, final_path);
    fs::remove_all(old);
  } else {
    fs::rename(temp, final_path);
  }
  fsync_path(dir_);

  if (keep_last_ > 0) {
    auto all = steps();
    for (size_t i = 0; i + static_cast<size_t>(keep_last_) < all.size(); ++i) {
      fs::remove_all(path_for(all[i]));
      spdlog::debug("removed checkpoint step_{} (checkpoints.keep_last = {})", all[i], keep_last_);
    }
  }
  return final_path.string();
}

std::vector<int64_t> CheckpointStore::steps() const {
  static const std::regex name("step_([0-9]+)");
  std::vector<int64_t> out;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::smatch m;
    const std::string n = entry.path().filename().string();
    if (entry.is_directory() && std::regex_match(n, m, name)) out.push_back(std::stoll(m[1]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> CheckpointStore::latest() const {
  auto all = steps();
  if (all.empty()) return std::nullopt;
  return path_for(all.back());
}

void CheckpointStore::remove_incomplete() const {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().filename().string().rfind(kTempPrefix, 0) == 0) {
      spdlog::warn("removing incomplete checkpoint {} (an earlier run stopped while writing it)", entry.path().string());
      fs::remove_all(entry.path());
    }
  }
}

}  // namespace finetrain::host
