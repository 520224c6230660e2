// Which shared objects the process has mapped: the host refuses a plugin that brings a second
// LibTorch, because two copies of its global state (dispatcher, allocator) corrupt each other.
#pragma once

#include <string>
#include <vector>

namespace finetrain::host {

// Real paths of every mapped object whose file name starts with `prefix` (e.g. "libtorch_cpu.so").
std::vector<std::string> mapped_libraries(const std::string& prefix);

// Empty when each LibTorch library (libtorch_cpu, libtorch, libc10) is mapped at most once;
// otherwise a one-line description of the duplicate.
std::string duplicate_libtorch_mapping();

}  // namespace finetrain::host
