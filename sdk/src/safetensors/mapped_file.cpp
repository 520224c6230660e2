// A safetensors file mapped into memory. Tensors are views into the mapping (kept alive by every
// tensor that points into it), copied only when a tensor's bytes are not aligned for its dtype.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
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
  ~Mapping() {
    if (data_ && size_) munmap(data_, size_);
  }
  const uint8_t* bytes() const { return static_cast<const uint8_t*>(data_); }
  uint8_t* mutable_bytes() const { return static_cast<uint8_t*>(data_); }
  size_t size() const { return size_; }

 private:
  void* data_;
  size_t size_;
};

std::shared_ptr<Mapping> map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw Error(fmt::format("{}: cannot stat: {}", path, std::strerror(err)));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    // Private and writable: a caller that writes into a view gets copy-on-write pages instead of a
    // crash, and the file on disk is never modified.
    data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw Error(fmt::format("{}: cannot map: {}", path, std::strerror(err)));
    }
  }
  ::close(fd);
  return std::make_shared<Mapping>(data, size);
}

class MappedFile final : public File {
 public:
  explicit MappedFile(const std::string& path) : path_(path), mapping_(map_file(path)) {
    tensors_ = parse_header(mapping_->bytes(), mapping_->size(), &metadata_, path_);
    uint64_t header_len = 0;
    std::memcpy(&header_len, mapping_->bytes(), 8);
    data_offset_ = 8 + header_len;
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
    const TensorInfo* info = find(name);
    if (!info) throw Error(fmt::format("{}: no tensor named '{}'", path_, name));
    uint8_t* ptr = mapping_->mutable_bytes() + data_offset_ + info->begin;
    const auto options = at::TensorOptions().dtype(info->scalar_type).device(at::kCPU);
    const size_t element = c10::elementSize(info->scalar_type);
    if (info->end == info->begin) return at::empty(info->shape, options);
    if (reinterpret_cast<uintptr_t>(ptr) % element != 0) {
      at::Tensor copy = at::empty(info->shape, options);
      std::memcpy(copy.data_ptr(), ptr, info->end - info->begin);
      return copy;
    }
    auto keep_alive = mapping_;
    return at::from_blob(ptr, info->shape, [keep_alive](void*) {}, options);
  }

 private:
  std::string path_;
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
