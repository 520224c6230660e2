// Which shared objects the process has mapped: the host refuses a plugin that brings a second
// LibTorch, because two copies of its global state (dispatcher, allocator) corrupt each other.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace finetrain::host {

// Real paths of every mapped object whose file name starts with `prefix` (e.g. "libtorch_cpu.so").
std::vector<std::string> mapped_libraries(const std::string& prefix);

// The mapped copies of each LibTorch library (libtorch_cpu, libtorch, libc10), by library name.
using LibraryMappings = std::vector<std::pair<std::string, std::vector<std::string>>>;
LibraryMappings libtorch_mappings();

// Empty unless a LibTorch library mapped now but not in `before` is a second copy; then one line
// naming both copies. Comparing with a snapshot keeps a refused plugin's copy (it stays mapped:
// plugins are never unloaded) from being blamed on every plugin loaded after it.
std::string second_libtorch_since(const LibraryMappings& before);

}  // namespace finetrain::host
