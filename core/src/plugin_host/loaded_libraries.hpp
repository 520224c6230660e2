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

// Whether the file is mapped into this process (by any path that names it).
bool is_mapped(const std::string& path);

// The check around one plugin's dlopen: construct before, call after_load() after. A file that
// brought a second LibTorch is remembered for the process, so a later host loading it again
// (dlopen then maps nothing new) refuses it too.
class SecondLibTorchCheck {
 public:
  explicit SecondLibTorchCheck(const std::string& plugin_path);
  // Empty, or the one-line description of the second LibTorch this plugin maps.
  std::string after_load() const;

 private:
  std::string plugin_;
  bool was_mapped_;
  LibraryMappings before_;
};

}  // namespace finetrain::host
