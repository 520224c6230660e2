#include "bench/model_bench.hpp"

#include <ATen/Parallel.h>
#include <ATen/ops/randn.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "bench/machine_info.hpp"
#include "finetrain/error.hpp"
#include "plugin_host/host_services.hpp"
#include "runtime/run_config.hpp"
#include "runtime/threads.hpp"
#include "training/latent_shape.hpp"
#include "training/model_setup.hpp"
#include "training/optimizer.hpp"
#include "training/rng_streams.hpp"
#include "training/train_step.hpp"
#include "training/training_settings.hpp"

namespace finetrain::host {
namespace {

// Linux resets VmHWM when "5" is written to clear_refs; then VmHWM is the peak since that moment.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

int64_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

ModelBenchRow bench_dtype(const ModelBenchRequest& request, const std::string& dtype, PluginHost& host,
                          std::string* header) {
  RunRequest run_request;
  run_request.model = request.model;
  run_request.trainer = request.trainer;
  run_request.overrides = request.overrides;
  run_request.overrides.push_back("training.dtype=" + dtype);
  ResolvedRun run = resolve_run(run_request, host, PluginRequirement::Required);
  const TrainingSettings s = training_settings_from_options(run.options);
  configure_intra_op_threads(run.options.get_int("runtime.threads"));
  const PluginObject<ModelSpec>& model = run.plugins.model;
  const PluginObject<Trainer>& trainer = run.plugins.trainer;
  PluginHostServices services(host);

  reset_peak_rss();
  const ModelTraits traits = configure_model(model, run.options, s, services);
  const LatentShape shapes = latent_shape_for(s, traits);
  model.call("load", [](ModelSpec& m) { m.load(kDenoiser | kTextEncoder); });
  TensorMap batch = model.call("encode_conditions", [&](ModelSpec& m) {
    return m.encode_conditions(std::vector<std::string>(shapes.batch, "a benchmark caption of ordinary length"));
  });
  model.call("release", [](ModelSpec& m) { m.release(kTextEncoder); });
  at::Generator generator = make_cpu_generator(s.seed);
  batch["latents"] = at::randn({shapes.batch, shapes.channels, shapes.frames, shapes.height, shapes.width}, generator,
                               at::TensorOptions(at::kFloat));

  TrainerContext trainer_context;
  trainer_context.model = &model.get();
  trainer_context.options = run.options;
  trainer_context.dtype = s.dtype;
  trainer_context.host = &services;
  trainer.call("setup", [&](Trainer& t) { t.setup(trainer_context); });
  model.call("blocks", [&](ModelSpec& m) { m.blocks().set_checkpointing(s.gradient_checkpointing); });
  auto optimizer =
      make_optimizer(s.optimizer, trainer.call("params", [](Trainer& t) { return t.trainable_parameters(); }));

  std::vector<double> seconds;
  for (int64_t i = 0; i < request.warmup_steps + request.timed_steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    train_step(
        trainer, *optimizer, [&] { return batch; }, s.accumulation_steps, s.max_grad_norm, s.learning_rate, generator);
    if (i >= request.warmup_steps)
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  ModelBenchRow row;
  row.dtype = dtype;
  row.median_step_seconds = seconds.empty() ? 0 : seconds[seconds.size() / 2];
  const double samples = static_cast<double>(shapes.batch * s.accumulation_steps);
  row.samples_per_second = row.median_step_seconds > 0 ? samples / row.median_step_seconds : 0;
  row.tokens_per_second = row.samples_per_second * static_cast<double>(shapes.tokens());
  row.peak_rss_bytes = peak_rss_bytes();
  *header = fmt::format(
      "finetrain bench: model {} ({}), trainer {}, batch {} x accumulation {}, {} frames {}x{} px -> latents "
      "{}x{}x{} ({} tokens)\nthreads {}, BLAS {}, warm-up {} steps, timed {} steps",
      request.model, run.options.has("model.preset") ? run.options.get_string("model.preset") : "-", request.trainer,
      shapes.batch, s.accumulation_steps, s.bucket.frames, s.bucket.width, s.bucket.height, shapes.frames,
      shapes.height, shapes.width, shapes.tokens(), at::get_num_threads(), blas_description(), request.warmup_steps,
      request.timed_steps);
  return row;
}

}  // namespace

ModelBenchReport run_model_bench(const ModelBenchRequest& request, PluginHost& host) {
  if (request.timed_steps < 1) throw Error("bench: --steps must be at least 1");
  ModelBenchReport report;
  for (const auto& dtype : request.dtypes) report.rows.push_back(bench_dtype(request, dtype, host, &report.header));
  return report;
}

std::string format_model_bench(const ModelBenchReport& report) {
  std::string out = report.header + "\n";
  out += fmt::format("{:<6} {:>14} {:>12} {:>12} {:>12}\n", "dtype", "median step s", "samples/s", "tokens/s",
                     "peak RSS MB");
  for (const auto& r : report.rows)
    out += fmt::format("{:<6} {:>14.4f} {:>12.2f} {:>12.1f} {:>12.0f}\n", r.dtype, r.median_step_seconds,
                       r.samples_per_second, r.tokens_per_second, r.peak_rss_bytes / 1048576.0);
  return out;
}

}  // namespace finetrain::host
