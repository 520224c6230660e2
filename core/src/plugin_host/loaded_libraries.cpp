#include "plugin_host/loaded_libraries.hpp"

#include <link.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace finetrain::host {

std::vector<std::string> mapped_libraries(const std::string& prefix) {
  struct Search {
    const std::string* prefix;
    std::vector<std::string> found;
  } search{&prefix, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        if (!info->dlpi_name || !*info->dlpi_name) return 0;
        std::filesystem::path p(info->dlpi_name);
        if (p.filename().string().rfind(*s->prefix, 0) != 0) return 0;
        std::error_code ec;
        auto real = std::filesystem::canonical(p, ec);
        std::string path = ec ? p.string() : real.string();
        if (std::find(s->found.begin(), s->found.end(), path) == s->found.end()) s->found.push_back(path);
        return 0;
      },
      &search);
  return search.found;
}

LibraryMappings libtorch_mappings() {
  LibraryMappings out;
  for (const char* lib : {"libtorch_cpu.so", "libtorch.so", "libc10.so"}) out.emplace_back(lib, mapped_libraries(lib));
  return out;
}

std::string second_libtorch_since(const LibraryMappings& before) {
  for (const auto& [lib, paths] : libtorch_mappings()) {
    if (paths.size() < 2) continue;
    std::vector<std::string> old;
    for (const auto& [before_lib, before_paths] : before)
      if (before_lib == lib) old = before_paths;
    for (const auto& path : paths) {
      if (std::find(old.begin(), old.end(), path) != old.end()) continue;
      const std::string& other = path == paths[0] ? paths[1] : paths[0];
      return fmt::format("{} is mapped twice: {} and {}", lib, other, path);
    }
  }
  return "";
}

}  // namespace finetrain::host
