// `finetrain bench --model M`: training-step speed and memory of a model on synthetic latents, so
// speed-ups are measured, never asserted. One row per dtype: median step time, samples/s,
// latent tokens/s and the process's peak resident memory during that dtype's run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plugin_host/plugin_host.hpp"

namespace finetrain::host {

struct ModelBenchRequest {
  std::string model;
  std::string trainer = "sft";
  std::vector<std::string> overrides;  // --set key=value (e.g. model.preset=tiny, data.frames=17)
  std::vector<std::string> dtypes{"fp32", "bf16"};
  int64_t warmup_steps = 3;
  int64_t timed_steps = 10;
};

struct ModelBenchRow {
  std::string dtype;
  double median_step_seconds = 0;
  double samples_per_second = 0;
  double tokens_per_second = 0;
  int64_t peak_rss_bytes = 0;
};

struct ModelBenchReport {
  std::string header;  // model, preset, shapes, threads, BLAS
  std::vector<ModelBenchRow> rows;
};

ModelBenchReport run_model_bench(const ModelBenchRequest& request, PluginHost& host);
std::string format_model_bench(const ModelBenchReport& report);

}  // namespace finetrain::host
