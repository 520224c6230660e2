// `finetrain bench attention`: time and peak memory of every attention backend on one problem
// (default B=1, H=4, L=4096, D=64) in float32 and bfloat16, forward or forward+backward. Each
// (backend, dtype) case runs in a fresh child process of this executable, so its peak memory
// is its own and not what an earlier case left in the allocator.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/version.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>

#include "attention/attention_bench.hpp"
#include "attention/register_plugin_backends.hpp"
#include "bench/model_bench.hpp"
#include "cli/child_process.hpp"
#include "cli/cli_state.hpp"
#include "cli/commands.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/error.hpp"

namespace finetrain::cli {
namespace {

// `bench --model`: the request plus the shortcuts for the keys people change most.
struct ModelBenchArgs {
  host::ModelBenchRequest request;
  std::string preset;
  int64_t frames = 0, height = 0, width = 0, batch = 0;

  host::ModelBenchRequest with_shortcuts() const {
    host::ModelBenchRequest r = request;
    auto set = [&r](const std::string& key, const std::string& value) { r.overrides.insert(r.overrides.begin(), key + "=" + value); };
    if (!preset.empty()) set("model.preset", preset);
    if (frames) set("data.frames", std::to_string(frames));
    if (height) set("data.height", std::to_string(height));
    if (width) set("data.width", std::to_string(width));
    if (batch) set("training.batch_size", std::to_string(batch));
    return r;
  }
};

struct BenchAttentionArgs {
  std::vector<std::string> backends;
  std::vector<std::string> dtypes{"float32", "bfloat16"};
  host::AttentionBenchCase shape;  // sizes, direction, repeats; backend and dtype are filled per case
  int threads = 0;                 // 0: every CPU this process may run on
  int timeout_seconds = 1800;      // per case
  bool child = false;              // internal: measure one case, print it as JSON
};

std::vector<std::string> child_argv(const CliState& state, const BenchAttentionArgs& a, const std::string& backend,
                                    const std::string& dtype, int threads) {
  std::vector<std::string> argv{current_executable()};
  for (const std::string& p : state.plugin_paths) argv.insert(argv.end(), {"--plugin-path", p});
  argv.insert(argv.end(), {"--log-level", "warn", "bench", "attention", "--child", "--backends", backend, "--dtype",
                           dtype, "--batch", std::to_string(a.shape.batch), "--heads", std::to_string(a.shape.heads),
                           "--seq-len", std::to_string(a.shape.seq_len), "--head-dim",
                           std::to_string(a.shape.head_dim), "--repeats", std::to_string(a.shape.repeats),
                           "--threads", std::to_string(threads)});
  if (a.shape.backward) argv.push_back("--backward");
  return argv;
}

host::AttentionBenchResult run_case_in_child(const CliState& state, const BenchAttentionArgs& a,
                                             const std::string& backend, const std::string& dtype, int threads) {
  ChildResult child = run_child(child_argv(state, a, backend, dtype, threads), a.timeout_seconds);
  host::AttentionBenchResult r;
  if (child.timed_out) {
    r.error = fmt::format("timed out after {} s", a.timeout_seconds);
    return r;
  }
  // The result is the last JSON line; anything before it is the child's own output.
  auto start = child.output.rfind("\n{");
  start = start == std::string::npos ? child.output.find('{') : start + 1;
  try {
    if (start == std::string::npos) throw Error("no result");
    return host::bench_result_from_json(nlohmann::json::parse(child.output.substr(start)));
  } catch (const std::exception& e) {
    r.error = fmt::format("child process failed (exit code {}): {}", child.exit_code, e.what());
    return r;
  }
}

std::string result_row(const std::string& dtype, const std::string& backend, const host::AttentionBenchResult& r) {
  if (!r.error.empty()) return fmt::format("{:<9} {:<12} {}\n", dtype, backend, r.error);
  std::vector<double> t = r.times_ms;
  std::sort(t.begin(), t.end());
  std::string peak = r.peak_bytes < 0 ? "n/a" : fmt::format("{:.1f}", r.peak_bytes / (1024.0 * 1024.0));
  return fmt::format("{:<9} {:<12} {:>10.1f} {:>10.1f} {:>10.1f} {:>10}\n", dtype, backend, t.front(), t[t.size() / 2],
                     r.cpu_ms, peak);
}

void run_bench(CliState& state, BenchAttentionArgs& a) {
  AttentionRegistry& registry = attention_registry();
  host::register_plugin_backends(state.plugin_host(), registry);
  if (a.shape.repeats < 1) throw Error("--repeats must be >= 1");
  for (const std::string& d : a.dtypes) host::parse_bench_dtype(d);
  for (const std::string& b : a.backends)
    if (!registry.find(b))
      throw Error(
          fmt::format("--backends: unknown attention backend '{}'; available: {}", b, registry.available_names()));

  if (a.child) {
    if (a.backends.size() != 1 || a.dtypes.size() != 1) throw Error("--child measures exactly one backend and dtype");
    host::AttentionBenchCase c = a.shape;
    c.backend = a.backends[0];
    c.dtype = host::parse_bench_dtype(a.dtypes[0]);
    c.threads = a.threads > 0 ? a.threads : host::available_cpus();
    std::cout << host::to_json(host::measure_attention_case(c)).dump() << std::endl;
    return;
  }

  if (a.backends.empty())
    for (const auto& b : registry.backends()) a.backends.push_back(b->name());
  const int threads = a.threads > 0 ? a.threads : host::available_cpus();
  std::cout << fmt::format(
      "attention benchmark: B={} H={} L={} D={}, {}, dtypes {}, best and median of {} timed runs after 1 warm-up\n"
      "LibTorch {} | threads {} | CPU {}\nBLAS: {}\n"
      "CPU = process CPU time per run, all threads (robust to other load; wall times are not)\n"
      "peak = VmHWM after the runs - VmRSS before them (inputs allocated, BLAS warmed up), one process per case\n\n",
      a.shape.batch, a.shape.heads, a.shape.seq_len, a.shape.head_dim,
      a.shape.backward ? "forward+backward" : "forward", fmt::join(a.dtypes, ", "), a.shape.repeats, TORCH_VERSION,
      threads, host::cpu_model(), host::blas_description());
  std::cout << fmt::format("{:<9} {:<12} {:>10} {:>10} {:>10} {:>10}\n", "DTYPE", "BACKEND", "BEST ms", "MEDIAN ms",
                           "CPU ms", "PEAK MiB")
            << std::flush;
  for (const std::string& dtype : a.dtypes) {
    for (const std::string& backend : a.backends) {
      host::AttentionBenchResult r = run_case_in_child(state, a, backend, dtype, threads);
      if (r.error.empty() && r.threads != threads)
        r.error = fmt::format("ran with {} threads instead of {}", r.threads, threads);
      std::cout << result_row(dtype, backend, r) << std::flush;
    }
  }
}

}  // namespace

void add_bench_command(CLI::App& app, CliState& state) {
  auto* bench = app.add_subcommand("bench", "Benchmarks: a model's training step (--model), or the attention backends");
  bench->require_subcommand(0, 1);
  auto model = std::make_shared<ModelBenchArgs>();
  bench->add_option("--model", model->request.model, "Model plugin whose training step to time");
  bench->add_option("--trainer", model->request.trainer, "Trainer plugin")->capture_default_str();
  bench->add_option("--preset", model->preset, "Sets model.preset");
  bench->add_option("--frames", model->frames, "Sets data.frames (pixel frames per sample)");
  bench->add_option("--height", model->height, "Sets data.height");
  bench->add_option("--width", model->width, "Sets data.width");
  bench->add_option("--batch", model->batch, "Sets training.batch_size");
  bench->add_option("--set", model->request.overrides, "Any other configuration key: --set sft.mode=full");
  bench->add_option("--dtype", model->request.dtypes, "Weight dtypes to time, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  bench->add_option("--warmup", model->request.warmup_steps, "Untimed steps first")->capture_default_str();
  bench->add_option("--steps", model->request.timed_steps, "Timed steps")->capture_default_str();
  auto args = std::make_shared<BenchAttentionArgs>();
  auto* attention = bench->add_subcommand("attention", "Time and peak memory of each attention backend");
  attention->add_option("--backends", args->backends, "Backends to measure, comma-separated (default: all)")
      ->delimiter(',');
  attention->add_option("--dtype", args->dtypes, "Dtypes, comma-separated (float32, bfloat16, float16)")
      ->delimiter(',')
      ->capture_default_str();
  attention->add_option("--batch", args->shape.batch, "B")->capture_default_str();
  attention->add_option("--heads", args->shape.heads, "H (q and k/v heads)")->capture_default_str();
  attention->add_option("--seq-len", args->shape.seq_len, "L (queries and keys)")->capture_default_str();
  attention->add_option("--head-dim", args->shape.head_dim, "D")->capture_default_str();
  attention->add_flag("--backward", args->shape.backward, "Time forward+backward (gradients of q, k, v)");
  attention->add_option("--repeats", args->shape.repeats, "Timed runs per case")->capture_default_str();
  attention->add_option("--threads", args->threads, "Intra-op threads (default: every CPU available)");
  attention->add_option("--timeout", args->timeout_seconds, "Seconds allowed per case")->capture_default_str();
  attention->add_flag("--child", args->child, "Internal: measure one case in this process")->group("");
  attention->callback([&state, args] { run_bench(state, *args); });
  bench->callback([&state, attention, model] {
    if (attention->parsed()) return;
    if (model->request.model.empty()) throw CLI::CallForHelp();
    std::cout << host::format_model_bench(host::run_model_bench(model->with_shortcuts(), state.plugin_host()));
  });
}

}  // namespace finetrain::cli
