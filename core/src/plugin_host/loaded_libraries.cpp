#include "plugin_host/loaded_libraries.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <link.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

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

bool is_mapped(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

namespace {

// Plugin file (real path) -> the second LibTorch it brought, for as long as the process lives.
std::string remembered_second_libtorch(const std::string& plugin, const std::string* record = nullptr) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  std::lock_guard<std::mutex> lock(mutex);
  if (record) known[plugin] = *record;
  auto it = known.find(plugin);
  return it == known.end() ? "" : it->second;
}

std::string real_path(const std::string& path) {
  std::error_code ec;
  auto real = std::filesystem::canonical(path, ec);
  return ec ? path : real.string();
}

}  // namespace

SecondLibTorchCheck::SecondLibTorchCheck(const std::string& plugin_path)
    : plugin_(real_path(plugin_path)), was_mapped_(is_mapped(plugin_path)), before_(libtorch_mappings()) {}

std::string SecondLibTorchCheck::after_load() const {
  if (was_mapped_) return remembered_second_libtorch(plugin_);
  std::string duplicate = second_libtorch_since(before_);
  if (!duplicate.empty()) remembered_second_libtorch(plugin_, &duplicate);
  return duplicate;
}

}  // namespace finetrain::host
