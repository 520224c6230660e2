// Reads one section of an ELF file without loading it: how the host sees a plugin's manifest
// before any of the plugin's code (static initialisers included) has run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace finetrain::host {

// Bytes of section `section` in the ELF64 little-endian file at `path`; std::nullopt when the file
// is a well-formed ELF without that section. Throws finetrain::Error naming the file for files
// that cannot be read or are not well-formed ELF (every offset is bounds-checked). Reads only the
// headers, the section-name table and the section, however large the file.
std::optional<std::vector<uint8_t>> read_elf_section(const std::string& path, const std::string& section);

// The same over an in-memory image, through the same parser (the fuzzer's entry point).
std::optional<std::vector<uint8_t>> read_elf_section_from_memory(const uint8_t* data, size_t size,
                                                                 const std::string& section,
                                                                 const std::string& label);

}  // namespace finetrain::host
