#include "plugin_host/elf_section_reader.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <cstring>
#include <fstream>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// Copies a POD out of the image after checking that [offset, offset + sizeof(T)) lies inside it.
template <class T>
T read_at(const uint8_t* data, size_t size, uint64_t offset, const std::string& label, const char* what) {
  if (offset > size || sizeof(T) > size - offset)
    throw Error(fmt::format("{}: malformed ELF: {} at offset {} is outside the file ({} bytes)", label, what, offset,
                            size));
  T value;
  std::memcpy(&value, data + offset, sizeof(T));
  return value;
}

}  // namespace

std::optional<std::vector<uint8_t>> read_elf_section_from_memory(const uint8_t* data, size_t size,
                                                                 const std::string& section,
                                                                 const std::string& label) {
  if (size < EI_NIDENT || std::memcmp(data, ELFMAG, SELFMAG) != 0)
    throw Error(fmt::format("{}: not an ELF file", label));
  if (data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB)
    throw Error(fmt::format("{}: unsupported ELF (only 64-bit little-endian is supported)", label));

  const auto header = read_at<Elf64_Ehdr>(data, size, 0, label, "ELF header");
  if (header.e_shoff == 0 || header.e_shnum == 0) return std::nullopt;  // no section table at all
  if (header.e_shentsize != sizeof(Elf64_Shdr))
    throw Error(fmt::format("{}: malformed ELF: section header size {} (expected {})", label, header.e_shentsize,
                            sizeof(Elf64_Shdr)));
  if (header.e_shstrndx >= header.e_shnum)
    throw Error(fmt::format("{}: malformed ELF: section name table index {} >= {} sections", label,
                            header.e_shstrndx, header.e_shnum));

  auto section_header = [&](uint64_t index) {
    return read_at<Elf64_Shdr>(data, size, header.e_shoff + index * sizeof(Elf64_Shdr), label, "section header");
  };
  const Elf64_Shdr names = section_header(header.e_shstrndx);
  if (names.sh_offset > size || names.sh_size > size - names.sh_offset)
    throw Error(fmt::format("{}: malformed ELF: section name table is outside the file", label));

  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr sh = section_header(i);
    if (sh.sh_name >= names.sh_size) continue;  // nameless or corrupt entry: cannot be ours
    const char* name = reinterpret_cast<const char*>(data + names.sh_offset + sh.sh_name);
    const size_t max_len = names.sh_size - sh.sh_name;
    if (strnlen(name, max_len) != section.size() || std::memcmp(name, section.data(), section.size()) != 0) continue;
    if (sh.sh_type == SHT_NOBITS) return std::vector<uint8_t>{};
    if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
      throw Error(fmt::format("{}: malformed ELF: section {} is outside the file", label, section));
    return std::vector<uint8_t>(data + sh.sh_offset, data + sh.sh_offset + sh.sh_size);
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> read_elf_section(const std::string& path, const std::string& section) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  // Plugins are at most a few hundred MB and this runs once per file; reading the whole file keeps
  // the bounds checks in one place (read_elf_section_from_memory).
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(fmt::format("{}: read error", path));
  return read_elf_section_from_memory(bytes.data(), bytes.size(), section, path);
}

}  // namespace finetrain::host
