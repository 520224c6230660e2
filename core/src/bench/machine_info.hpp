// Facts about the machine a benchmark ran on, for its header: every benchmark states its BLAS,
// threads and CPU.
#pragma once

#include <string>

namespace finetrain::host {

// The BLAS library in use (LibTorch's build setting, OpenBLAS's config and threading, the mapped files).
std::string blas_description();
std::string cpu_model();
int available_cpus();  // CPUs in this process's affinity mask

}  // namespace finetrain::host
