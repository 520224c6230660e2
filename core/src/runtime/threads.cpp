#include "runtime/threads.hpp"

#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <thread>

namespace finetrain::host {

int configure_intra_op_threads(int64_t requested) {
  // hardware_concurrency() may answer 0 when it cannot tell.
  const int threads = requested > 0 ? static_cast<int>(std::min<int64_t>(requested, std::numeric_limits<int>::max()))
                                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  spdlog::info("intra-op threads: {}{}", threads, requested > 0 ? "" : " (runtime.threads = 0: one per core)");
  return threads;
}

}  // namespace finetrain::host
