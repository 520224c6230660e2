// Writing safetensors files that the reference reader (Rust safetensors, hence diffusers, PEFT and
// ComfyUI) accepts and that match its own writer byte for byte: tensors sorted by dtype (largest
// alignment first) then name, stored contiguously from offset 0 so each is aligned for its dtype,
// header padded with spaces to a multiple of 8 bytes.
#include <ATen/core/Tensor.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors {
namespace {

// The reference writer's dtype order (its Dtype enum, ascending alignment); it sorts descending.
int reference_rank(const std::string& dtype) {
  static const char* const kOrder[] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                                       "BF16", "I32", "U32", "F32",     "F64",     "I64", "U64"};
  return static_cast<int>(std::find(std::begin(kOrder), std::end(kOrder), dtype) - std::begin(kOrder));
}

// Shows a name with control and non-ASCII bytes escaped, for errors about names that are not UTF-8.
std::string escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text)
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  return out;
}

void require_utf8(const std::string& text, const std::string& path, const char* what) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{}: {} '{}' is not valid UTF-8", path, what, escaped(text)));
  }
}

struct Entry {
  std::string name;
  const at::Tensor* tensor;
  std::string dtype;
  uint64_t nbytes;
};

std::vector<Entry> plan(const std::string& path, const TensorMap& tensors) {
  std::vector<Entry> entries;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw Error(fmt::format("{}: '__metadata__' is not a valid tensor name", path));
    require_utf8(name, path, "tensor name");
    if (!t.defined()) throw Error(fmt::format("{}: tensor '{}' is undefined", path, name));
    if (t.layout() != at::kStrided)
      throw Error(fmt::format("{}: tensor '{}' is not a dense (strided) tensor; only those can be stored", path, name));
    std::string dtype;
    try {
      dtype = dtype_from_scalar_type(t.scalar_type());
    } catch (const Error& e) {
      throw Error(fmt::format("{}: tensor '{}': {}", path, name, e.what()));
    }
    entries.push_back({name, &t, dtype, static_cast<uint64_t>(t.numel()) * t.element_size()});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const int ra = reference_rank(a.dtype), rb = reference_rank(b.dtype);
    return ra != rb ? ra > rb : a.name < b.name;
  });
  return entries;
}

std::string header_text(const std::string& path, const std::vector<Entry>& entries, const Metadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    for (const auto& [key, value] : metadata) {
      require_utf8(key, path, "metadata key");
      require_utf8(value, path, "metadata value");
    }
    header["__metadata__"] = metadata;
  }
  uint64_t offset = 0;
  for (const Entry& e : entries) {
    header[e.name] = {
        {"dtype", e.dtype}, {"shape", e.tensor->sizes().vec()}, {"data_offsets", {offset, offset + e.nbytes}}};
    offset += e.nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw Error(fmt::format("{}: write failed: {}", path, std::strerror(err)));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

// One tensor at a time on the CPU, so saving a model on an accelerator needs one tensor of host
// memory, not the whole model.
void write_tensor(int fd, const Entry& e, const std::string& path) {
  at::Tensor cpu;
  try {
    cpu = e.tensor->detach().to(at::kCPU).contiguous();
  } catch (const c10::Error& error) {
    throw Error(
        fmt::format("{}: tensor '{}': cannot copy to the CPU: {}", path, e.name, error.what_without_backtrace()));
  }
  if (e.nbytes > 0) write_all(fd, cpu.data_ptr(), e.nbytes, path);
}

// Makes the rename itself durable: without this a crash can leave the directory entry unwritten.
void sync_parent_directory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some filesystems do not allow opening directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void save(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  const std::vector<Entry> entries = plan(path, tensors);
  const std::string text = header_text(path, entries, metadata);
  const uint64_t header_len = text.size();

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw Error(fmt::format("{}: cannot create: {}", tmp, std::strerror(err)));
  }
  try {
    write_all(fd, &header_len, 8, tmp);  // little-endian, like every host this builds for
    write_all(fd, text.data(), text.size(), tmp);
    for (const Entry& e : entries) write_tensor(fd, e, tmp);
    if (::fsync(fd) != 0) {
      const int err = errno;
      throw Error(fmt::format("{}: fsync failed: {}", tmp, std::strerror(err)));
    }
  } catch (...) {
    ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("{}: cannot rename from {}: {}", path, tmp, std::strerror(err)));
  }
  sync_parent_directory(path);
}

}  // namespace finetrain::safetensors
