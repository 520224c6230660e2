// A safetensors file mapped into memory. tensor() returns views into the mapping (each keeps the
// mapping alive), copied only when a tensor's bytes are not aligned for its dtype; read() copies
// with pread so that one-shot loads never make the mapping's pages resident.
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors {
namespace {

// Owns one mmap; released when the last File or tensor view referencing it goes away.
class Mapping {
 public:
  Mapping(void* data, size_t size) : data_(data), size_(size) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data_) munmap(data_, size_);
  }
  uint8_t* bytes() const { return static_cast<uint8_t*>(data_); }
  size_t size() const { return size_; }

 private:
  void* data_;
  size_t size_;
};

// Owns the file descriptor that read() uses.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// `label` is built before the call, so errno is read here before anything could change it.
[[noreturn]] void fail_errno(const std::string& label, const char* what) {
  const int err = errno;
  throw Error(fmt::format("{}: {}: {}", label, what, std::strerror(err)));
}

std::shared_ptr<Mapping> map_file(const std::string& path, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) fail_errno(path, "cannot stat");
  if (!S_ISREG(st.st_mode)) throw Error(fmt::format("{}: not a regular file", path));
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return std::make_shared<Mapping>(nullptr, 0);
  // Private and writable: a caller that writes into a view gets copy-on-write pages instead of a
  // crash, and the file is never modified. MAP_NORESERVE: the mapping is backed by the file, so it
  // must not be charged as if every page could become a private copy.
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
  if (data == MAP_FAILED) fail_errno(path, "cannot map");
  return std::make_shared<Mapping>(data, size);
}

class MappedFile final : public File {
 public:
  explicit MappedFile(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), mapping_(map_checked(path, fd_.get())) {
    Header header = parse_header(mapping_->bytes(), mapping_->size(), path_);
    metadata_ = std::move(header.metadata);
    tensors_ = std::move(header.tensors);
    data_offset_ = header.data_offset;
    for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  }

  const std::string& path() const override { return path_; }
  const Metadata& metadata() const override { return metadata_; }
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }

  const TensorInfo* find(const std::string& name) const override {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
  }

  at::Tensor tensor(const std::string& name) const override {
    const TensorInfo& info = require(name);
    const uint64_t file_offset = data_offset_ + info.begin;
    // The mapping starts on a page boundary, so the file offset decides the alignment.
    if (info.end == info.begin || file_offset % c10::elementSize(info.scalar_type) != 0) return copy_of(info);
    auto keep_alive = mapping_;
    return at::from_blob(
        mapping_->bytes() + file_offset, info.shape, [keep_alive](void*) {}, options(info));
  }

  at::Tensor read(const std::string& name) const override {
    const TensorInfo& info = require(name);
    at::Tensor out = at::empty(info.shape, options(info));
    auto* dst = static_cast<char*>(out.data_ptr());
    uint64_t done = 0;
    const uint64_t total = info.end - info.begin;
    while (done < total) {
      const ssize_t n =
          ::pread(fd_.get(), dst + done, total - done, static_cast<off_t>(data_offset_ + info.begin + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        throw Error(fmt::format("{}: tensor '{}': read failed: {}", path_, name, std::strerror(err)));
      }
      if (n == 0) throw Error(fmt::format("{}: tensor '{}': file shrank while reading it", path_, name));
      done += static_cast<uint64_t>(n);
    }
    return out;
  }

 private:
  static std::shared_ptr<Mapping> map_checked(const std::string& path, int fd) {
    if (fd < 0) fail_errno(path, "cannot open");
    return map_file(path, fd);
  }

  static at::TensorOptions options(const TensorInfo& info) {
    return at::TensorOptions().dtype(info.scalar_type).device(at::kCPU);
  }

  const TensorInfo& require(const std::string& name) const {
    const TensorInfo* info = find(name);
    if (!info) throw Error(fmt::format("{}: no tensor named '{}'", path_, name));
    return *info;
  }

  at::Tensor copy_of(const TensorInfo& info) const {
    at::Tensor out = at::empty(info.shape, options(info));
    if (info.end > info.begin)
      std::memcpy(out.data_ptr(), mapping_->bytes() + data_offset_ + info.begin, info.end - info.begin);
    return out;
  }

  std::string path_;
  Descriptor fd_;
  std::shared_ptr<Mapping> mapping_;
  Metadata metadata_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;
  uint64_t data_offset_ = 0;
};

}  // namespace

File::~File() = default;

std::shared_ptr<const File> File::open(const std::string& path) { return std::make_shared<MappedFile>(path); }

}  // namespace finetrain::safetensors
