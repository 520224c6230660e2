#include "bench/machine_info.hpp"

#include <ATen/Version.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <sched.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace finetrain::host {

std::string blas_description() {
  // LibTorch's build setting (e.g. "generic": whatever libblas.so.3 resolves to at run time).
  std::smatch match;
  const std::string config = at::show_config();
  std::string text = std::regex_search(config, match, std::regex("BLAS_INFO=([^,\\s]+)"))
                         ? "LibTorch BLAS_INFO=" + match[1].str()
                         : "LibTorch BLAS_INFO unknown";
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    text += fmt::format("; {}", fn());
    using IntFn = int (*)();
    if (auto parallel = reinterpret_cast<IntFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
      static const char* const kModes[] = {"sequential", "pthreads", "openmp"};
      int mode = parallel();
      text += fmt::format(" ({})", mode >= 0 && mode <= 2 ? kModes[mode] : "?");
    }
  }
  if (dlsym(RTLD_DEFAULT, "mkl_get_max_threads")) text += "; Intel MKL";
  // The BLAS files actually mapped into this process.
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> files;
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string base = std::filesystem::path(path).filename().string();
    if (base.find("blas") != std::string::npos || base.find("libmkl") != std::string::npos) files.insert(path);
  }
  for (const std::string& f : files) text += "; " + f;
  return text;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

}  // namespace finetrain::host
