// `finetrain bench attention`: time and peak memory of one backend on one problem. The CLI runs
// every (backend, dtype) case in a fresh child process so that peak memory is that case's alone.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "bench/machine_info.hpp"
#include <string>
#include <vector>

namespace finetrain::host {

struct AttentionBenchCase {
  std::string backend;
  c10::ScalarType dtype = c10::ScalarType::Float;
  int64_t batch = 1, heads = 4, seq_len = 4096, head_dim = 64;
  bool backward = false;  // time forward + backward (gradients of q, k, v)
  int repeats = 3;        // timed runs after one warm-up run
  int threads = 1;        // intra-op threads
};

struct AttentionBenchResult {
  std::string error;              // why the case did not run (a refusal, or a failure); empty when measured
  std::vector<double> times_ms;   // wall time, one per timed run
  double cpu_ms = 0;              // process CPU time (user + system, all threads) per timed run
  // Peak RSS increase: VmHWM after the warm-up and timed runs minus VmRSS just before them, with
  // the inputs allocated, thread pool and BLAS warmed up, and VmHWM reset (/proc/self/clear_refs).
  // -1 when the kernel refused the reset (the high-water mark would include start-up).
  int64_t peak_bytes = -1;
  int threads = 0;  // at::get_num_threads() during the runs
};

// Measures `c` in this process (meant for a fresh one: it fixes glibc's mmap threshold so freed
// buffers return to the OS). Never throws for a backend failure: it lands in `error`.
AttentionBenchResult measure_attention_case(const AttentionBenchCase& c);

nlohmann::json to_json(const AttentionBenchResult& r);
AttentionBenchResult bench_result_from_json(const nlohmann::json& j);

// "float32" / "fp32", "bfloat16" / "bf16", "float16" / "fp16"; throws finetrain::Error otherwise.
c10::ScalarType parse_bench_dtype(const std::string& name);

}  // namespace finetrain::host
