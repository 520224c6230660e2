#include "attention/attention_bench.hpp"
#include "bench/machine_info.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/randn.h>
#include <dlfcn.h>
#include <malloc.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/resource.h>
#include <torch/csrc/autograd/autograd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "finetrain/attention.hpp"
#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// A "Key:   123 kB" line of /proc/self/status, in bytes; -1 when absent.
int64_t status_bytes(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
  return -1;
}

double process_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// Sets VmHWM to the current RSS (Linux >= 4.0).
bool reset_high_water_mark() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

}  // namespace

AttentionBenchResult measure_attention_case(const AttentionBenchCase& c) {
  AttentionBenchResult r;
  // A fixed mmap threshold sends every freed tensor buffer back to the OS, so the high-water mark
  // tracks live memory rather than what glibc's growing dynamic threshold keeps cached on the heap.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  at::set_num_threads(c.threads);
  r.threads = at::get_num_threads();
  try {
    auto& registry = attention_registry();
    auto backend = registry.find(c.backend);
    if (!backend)
      throw Error(fmt::format("unknown backend '{}'; available: {}", c.backend, registry.available_names()));
    at::manual_seed(0);
    auto options = at::TensorOptions().dtype(c.dtype);
    const std::vector<int64_t> shape{c.batch, c.heads, c.seq_len, c.head_dim};
    at::Tensor q = at::randn(shape, options), k = at::randn(shape, options), v = at::randn(shape, options);
    at::Tensor grad_out = c.backward ? at::randn(shape, options) : at::Tensor();
    for (at::Tensor* t : {&q, &k, &v}) t->requires_grad_(c.backward);
    AttentionProblem problem = make_attention_problem(q, k, v, at::Tensor(), std::nullopt, false);
    std::string why;
    if (!backend->supports(problem, &why)) throw Error("refuses: " + why);

    ScopedAttentionPolicy policy({c.backend, c.backend, {}});
    AttentionHandle handle("bench");
    auto run_once = [&] {
      at::Tensor out = handle(q, k, v);
      if (c.backward) torch::autograd::grad({out}, {q, k, v}, {grad_out});
    };
    // The thread pool and BLAS buffers belong to the baseline, not to the backend.
    at::matmul(at::randn({256, 256}), at::randn({256, 256}));
    const int64_t baseline = status_bytes("VmRSS");
    const bool reset = reset_high_water_mark();
    run_once();  // warm-up, included in the peak
    const double cpu_start = process_cpu_ms();
    for (int i = 0; i < c.repeats; ++i) {
      auto start = std::chrono::steady_clock::now();
      run_once();
      r.times_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    r.cpu_ms = (process_cpu_ms() - cpu_start) / c.repeats;
    if (reset) r.peak_bytes = status_bytes("VmHWM") - baseline;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

nlohmann::json to_json(const AttentionBenchResult& r) {
  return {{"error", r.error},
          {"times_ms", r.times_ms},
          {"cpu_ms", r.cpu_ms},
          {"peak_bytes", r.peak_bytes},
          {"threads", r.threads}};
}

AttentionBenchResult bench_result_from_json(const nlohmann::json& j) {
  AttentionBenchResult r;
  r.error = j.at("error").get<std::string>();
  r.times_ms = j.at("times_ms").get<std::vector<double>>();
  r.cpu_ms = j.at("cpu_ms").get<double>();
  r.peak_bytes = j.at("peak_bytes").get<int64_t>();
  r.threads = j.at("threads").get<int>();
  return r;
}

c10::ScalarType parse_bench_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16") return at::kHalf;
  throw Error(fmt::format("--dtype: unknown dtype '{}'; expected float32, bfloat16 or float16", name));
}

}  // namespace finetrain::host
