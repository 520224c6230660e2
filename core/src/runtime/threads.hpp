// LibTorch's CPU parallelism for the run.
#pragma once

#include <cstdint>

namespace finetrain::host {

// Sets the intra-op thread count to `requested`, or to one per core when 0 (runtime.threads),
// logs it and returns it.
int configure_intra_op_threads(int64_t requested);

}  // namespace finetrain::host
