// The attention problems a run's model poses: one denoiser forward at the configured sample size
// with the registry recording, for `finetrain attention explain RUN.toml`.
#pragma once

#include <vector>

#include "finetrain/attention.hpp"
#include "plugin_host/plugin_host.hpp"
#include "runtime/run_config.hpp"

namespace finetrain::host {

// Builds the run's model (denoiser and text encoder), applies the run's attention policy and records
// the first call of every attention site during one training-shaped forward.
std::vector<RecordedAttentionCall> record_run_attention_sites(const RunRequest& request, PluginHost& host);

}  // namespace finetrain::host
