#include "plugin_host/elf_section_reader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// An ELF image of `size` bytes, read in pieces: a file (pread) or a buffer. Only the headers, the
// section-name table and the wanted section are ever read, so a plugin of hundreds of MB costs a
// few KB of I/O.
struct Image {
  uint64_t size;
  // Copies [offset, offset + length) into `out`; the caller has checked the range against `size`.
  std::function<void(uint64_t offset, size_t length, void* out)> read;
};

void check_range(const Image& image, uint64_t offset, uint64_t length, const std::string& label, const char* what) {
  if (offset > image.size || length > image.size - offset)
    throw Error(fmt::format("{}: malformed ELF: {} at offset {} is outside the file ({} bytes)", label, what, offset,
                            image.size));
}

template <class T>
T read_at(const Image& image, uint64_t offset, const std::string& label, const char* what) {
  check_range(image, offset, sizeof(T), label, what);
  T value;
  image.read(offset, sizeof(T), &value);
  return value;
}

std::vector<uint8_t> read_bytes(const Image& image, uint64_t offset, uint64_t length, const std::string& label,
                                const char* what) {
  check_range(image, offset, length, label, what);
  std::vector<uint8_t> bytes(length);
  if (length) image.read(offset, length, bytes.data());
  return bytes;
}

std::optional<std::vector<uint8_t>> find_section(const Image& image, const std::string& section,
                                                 const std::string& label) {
  unsigned char ident[EI_NIDENT];
  if (image.size < EI_NIDENT) throw Error(fmt::format("{}: not an ELF file", label));
  image.read(0, EI_NIDENT, ident);
  if (std::memcmp(ident, ELFMAG, SELFMAG) != 0) throw Error(fmt::format("{}: not an ELF file", label));
  if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
    throw Error(fmt::format("{}: unsupported ELF (only 64-bit little-endian is supported)", label));

  const auto header = read_at<Elf64_Ehdr>(image, 0, label, "ELF header");
  if (header.e_shoff == 0 || header.e_shnum == 0) return std::nullopt;  // no section table at all
  if (header.e_shentsize != sizeof(Elf64_Shdr))
    throw Error(fmt::format("{}: malformed ELF: section header size {} (expected {})", label, header.e_shentsize,
                            sizeof(Elf64_Shdr)));
  if (header.e_shstrndx >= header.e_shnum)
    throw Error(fmt::format("{}: malformed ELF: section name table index {} >= {} sections", label,
                            header.e_shstrndx, header.e_shnum));
  // The whole table at once: e_shnum < 65536, so at most 4 MB, and bounded by the file's size.
  const std::vector<uint8_t> table = read_bytes(image, header.e_shoff, uint64_t{header.e_shnum} * sizeof(Elf64_Shdr),
                                                label, "section header table");
  auto section_header = [&table](uint64_t index) {
    Elf64_Shdr sh;
    std::memcpy(&sh, table.data() + index * sizeof(Elf64_Shdr), sizeof sh);
    return sh;
  };
  const Elf64_Shdr names_header = section_header(header.e_shstrndx);
  const std::vector<uint8_t> names =
      read_bytes(image, names_header.sh_offset, names_header.sh_size, label, "section name table");

  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr sh = section_header(i);
    if (sh.sh_name >= names.size()) continue;  // nameless or corrupt entry: cannot be ours
    const char* name = reinterpret_cast<const char*>(names.data() + sh.sh_name);
    if (strnlen(name, names.size() - sh.sh_name) != section.size() ||
        std::memcmp(name, section.data(), section.size()) != 0)
      continue;
    if (sh.sh_type == SHT_NOBITS) return std::vector<uint8_t>{};
    return read_bytes(image, sh.sh_offset, sh.sh_size, label, "the section");
  }
  return std::nullopt;
}

// A file descriptor closed on every path out.
class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<std::vector<uint8_t>> read_elf_section_from_memory(const uint8_t* data, size_t size,
                                                                 const std::string& section,
                                                                 const std::string& label) {
  const Image image{size, [data](uint64_t offset, size_t length, void* out) {
                      std::memcpy(out, data + offset, length);
                    }};
  return find_section(image, section, label);
}

std::optional<std::vector<uint8_t>> read_elf_section(const std::string& path, const std::string& section) {
  File file(path);
  struct stat info {};
  if (file.fd() < 0 || ::fstat(file.fd(), &info) != 0)
    throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  if (!S_ISREG(info.st_mode)) throw Error(fmt::format("{}: not a regular file", path));
  const Image image{static_cast<uint64_t>(info.st_size), [&](uint64_t offset, size_t length, void* out) {
                      auto* bytes = static_cast<char*>(out);
                      while (length > 0) {
                        const ssize_t n = ::pread(file.fd(), bytes, length, static_cast<off_t>(offset));
                        if (n < 0 && errno == EINTR) continue;
                        if (n <= 0)
                          throw Error(fmt::format("{}: read error at offset {}: {}", path, offset,
                                                  n < 0 ? std::strerror(errno) : "file shrank while reading"));
                        bytes += n;
                        offset += static_cast<uint64_t>(n);
                        length -= static_cast<size_t>(n);
                      }
                    }};
  return find_section(image, section, path);
}

}  // namespace finetrain::host
