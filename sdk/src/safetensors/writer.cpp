// Writing safetensors files that the reference readers (Rust safetensors, hence diffusers, PEFT and
// ComfyUI) accept: contiguous data, header padded to 8 bytes, every tensor aligned for its dtype.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <ATen/core/Tensor.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors {
namespace {

void write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: write failed: {}", path, std::strerror(errno)));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

// Makes the rename itself durable: without this a crash can leave the directory entry unwritten.
void sync_parent_directory(const std::string& path) {
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some filesystems do not allow opening directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void save(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  // Largest elements first keeps every tensor aligned without padding between tensors (the Rust
  // reader rejects gaps); ties by name make the file byte-for-byte reproducible.
  std::vector<std::pair<std::string, at::Tensor>> ordered;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw Error(fmt::format("{}: tensor '{}' is undefined", path, name));
    if (name == "__metadata__") throw Error(fmt::format("{}: '__metadata__' is not a valid tensor name", path));
    ordered.emplace_back(name, t.detach().to(at::kCPU).contiguous());
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second.element_size() > b.second.element_size();
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : ordered) {
    const uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", dtype_from_scalar_type(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t header_len = text.size();

  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
  try {
    write_all(fd, &header_len, 8, tmp);
    write_all(fd, text.data(), text.size(), tmp);
    for (const auto& [name, t] : ordered) write_all(fd, t.data_ptr(), t.numel() * t.element_size(), tmp);
    if (::fsync(fd) != 0) throw Error(fmt::format("{}: fsync failed: {}", tmp, std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("{}: cannot rename from {}: {}", path, tmp, std::strerror(err)));
  }
  sync_parent_directory(path);
}

}  // namespace finetrain::safetensors
