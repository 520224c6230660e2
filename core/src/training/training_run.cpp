#include "training/training_run.hpp"

#include <ATen/Context.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/nn/module.h>

#include <chrono>
#include <filesystem>

#include "attention/attention_config.hpp"
#include "attention/register_plugin_backends.hpp"
#include "data/epoch_sampler.hpp"
#include "data/precompute.hpp"
#include "data/prompt_video_folder.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/error.hpp"
#include "finetrain/text_file.hpp"
#include "plugin_host/host_services.hpp"
#include "runtime/run_setup.hpp"
#include "training/checkpoint_store.hpp"
#include "training/latent_shape.hpp"
#include "training/lr_schedule.hpp"
#include "training/model_setup.hpp"
#include "training/progress.hpp"
#include "training/rng_streams.hpp"
#include "training/run_checkpoint.hpp"
#include "training/step_log.hpp"
#include "training/stop_request.hpp"
#include "training/train_step.hpp"
#include "training/training_settings.hpp"
#include "training/validation_runner.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

// The encoded dataset, with the model's prepare_latents applied per micro-batch.
class TrainingData {
 public:
  TrainingData(std::vector<EncodedSample> samples, const TrainingSettings& s)
      : samples_(std::move(samples)),
        sampler_(static_cast<int64_t>(samples_.size()), s.batch_size, s.seed, s.data_shuffle) {}

  TensorMap next_batch(const PluginObject<ModelSpec>& model, at::Generator generator) {
    std::vector<const TensorMap*> latents, conditions;
    for (int64_t i : sampler_.next_batch()) {
      latents.push_back(&samples_[static_cast<size_t>(i)].latents);
      conditions.push_back(&samples_[static_cast<size_t>(i)].conditions);
    }
    TensorMap encoded = collate(latents);
    TensorMap batch = collate(conditions);
    batch["latents"] =
        model.call("prepare_latents", [&](ModelSpec& m) { return m.prepare_latents(encoded, generator); });
    return batch;
  }

  EpochSampler& sampler() { return sampler_; }

 private:
  std::vector<EncodedSample> samples_;
  EpochSampler sampler_;
};

std::vector<EncodedSample> encode_dataset(const PluginObject<ModelSpec>& model, const TrainingSettings& s) {
  if (s.data_path.empty()) throw Error("data.path is not set: name the dataset folder to train on");
  FolderScan scan = scan_prompt_video_folder(s.data_path, s.data_strict);
  for (const auto& line : scan.skipped) spdlog::warn("skipping {}", line);
  spdlog::info("dataset {}: {} samples ({} skipped), {} frames of {}x{}", s.data_path, scan.items.size(),
               scan.skipped.size(), s.bucket.frames, s.bucket.width, s.bucket.height);
  PrecomputeResult encoded = precompute_samples(model, scan.items, s.bucket, s.data_strict);
  const size_t skipped = scan.skipped.size() + encoded.skipped.size();
  if (skipped)
    spdlog::warn("{} of {} samples skipped (missing or unreadable media; data.strict = true makes this fatal)", skipped,
                 scan.items.size() + scan.skipped.size());
  if (encoded.samples.empty()) throw Error(fmt::format("{}: no usable samples", s.data_path));
  return std::move(encoded.samples);
}

TensorMap named_state(const std::vector<std::pair<std::string, at::Tensor>>& params) {
  TensorMap out;
  for (const auto& [name, p] : params) out[name] = p.detach().clone();
  return out;
}

void load_trainable(const std::vector<std::pair<std::string, at::Tensor>>& params, const TensorMap& state,
                    const std::string& origin) {
  if (state.size() != params.size())
    throw Error(fmt::format("{}: holds {} trainable tensors, the run trains {}", origin, state.size(), params.size()));
  c10::AutoGradMode no_grad(false);
  for (const auto& [name, p] : params) {
    auto it = state.find(name);
    if (it == state.end()) throw Error(fmt::format("{}: has no trainable tensor '{}'", origin, name));
    if (it->second.sizes() != p.sizes())
      throw Error(fmt::format("{}: '{}' has another shape than in this run", origin, name));
    p.detach().copy_(it->second);
  }
}

}  // namespace

int run_training(const TrainCommand& command, PluginHost& host) {
  const RunSetup setup = set_up_run(command.request, host);
  const Options& options = setup.config.options;
  const TrainingSettings s = training_settings_from_options(options);
  const PluginObject<ModelSpec>& model = setup.config.plugins.model;
  const PluginObject<Trainer>& trainer = setup.config.plugins.trainer;
  at::globalContext().setDeterministicAlgorithms(s.deterministic, /*warn_only=*/false);
  PluginHostServices services(host);
  AttentionRegistry& attention = attention_registry();
  register_plugin_backends(host, attention);
  attention.set_policy(
      attention_policy_from_options(options, attention_backend_from_environment(), command.attention_backend));
  spdlog::info("attention: {}", attention.policy().describe());

  // ---- model and data ----
  latent_shape_for(s, configure_model(model, options, s, services));  // fail early on a bad size
  model.call("load", [](ModelSpec& m) { m.load(kAllComponents); });
  TrainingData data(encode_dataset(model, s), s);
  // The encoders are only needed again for validation, which reloads them.
  model.call("release", [](ModelSpec& m) { m.release(kTextEncoder | kVae); });

  // ---- what trains ----
  TrainerContext trainer_context;
  trainer_context.model = &model.get();
  trainer_context.options = options;
  trainer_context.dtype = s.dtype;
  trainer_context.host = &services;
  trainer.call("setup", [&](Trainer& t) { t.setup(trainer_context); });
  model.call("blocks", [&](ModelSpec& m) { m.blocks().set_checkpointing(s.gradient_checkpointing); });
  const auto params = trainer.call("trainable_parameters", [](Trainer& t) { return t.trainable_parameters(); });
  int64_t trainable_numel = 0;
  for (const auto& [name, p] : params) trainable_numel += p.numel();
  spdlog::info("training {} tensors ({:.2f} M parameters) with {}", params.size(), trainable_numel / 1e6,
               s.optimizer.name);
  auto optimizer = make_optimizer(s.optimizer, params);
  at::Generator generator = make_cpu_generator(s.seed);

  // ---- resume ----
  const fs::path output_dir = setup.environment.output_dir;
  CheckpointStore store((output_dir / "checkpoints").string(), s.checkpoint_keep_last);
  store.remove_incomplete();
  RunProgress progress;
  if (command.resume) {
    const std::string path = resolve_resume_path(*command.resume, store.directory());
    check_resume_compatible(path, options, setup.config.plugins.schema);
    RunCheckpoint checkpoint = read_run_checkpoint(path);
    load_trainable(params, checkpoint.trainable, path);
    optimizer->load_state(checkpoint.optimizer);
    restore_rng_states(checkpoint.rng, generator);
    data.sampler().restore(checkpoint.progress.data);
    progress = checkpoint.progress;
    spdlog::info("resumed from {} at step {}", path, progress.step);
  }

  const std::string resolved_config = read_text_file(setup.environment.resolved_config.string());
  auto save_checkpoint = [&](int64_t step) {
    RunCheckpoint c;
    c.progress = {step, data.sampler().position(), progress.bad_steps};
    c.trainable = named_state(params);
    c.optimizer = optimizer->state();
    c.rng = capture_rng_states(generator);
    c.model = model.plugin();
    c.trainer = trainer.plugin();
    const std::string path = store.save(step, [&](const std::string& dir) {
      write_run_checkpoint(dir, c, resolved_config);
      if (s.checkpoint_export_weights)
        trainer.call("export_weights", [&](Trainer& t) { return t.export_weights(dir); });
    });
    spdlog::info("checkpoint written: {}", path);
  };

  // ---- the loop ----
  StepLog log((output_dir / "train_log.jsonl").string());
  StopRequestGuard stop;
  Progress bar(s.max_steps, progress.step, command.progress_bar && stderr_is_tty());
  model.call("train mode", [](ModelSpec& m) { m.denoiser().train(); });
  while (progress.step < s.max_steps) {
    attention.apply_pending(progress.step);  // a switch requested while running lands here
    const auto start = std::chrono::steady_clock::now();
    const double lr = s.learning_rate * lr_multiplier(s.lr_schedule, s.learning_rate, progress.step);
    StepOutcome outcome = train_step(
        trainer, *optimizer, [&] { return data.next_batch(model, generator); }, s.accumulation_steps, s.max_grad_norm,
        lr, generator);
    ++progress.step;

    StepRecord record;
    record.step = progress.step;
    record.loss = outcome.loss;
    record.learning_rate = lr;
    record.grad_norm = outcome.grad_norm;
    record.skipped = outcome.skipped;
    record.epoch = data.sampler().position().epoch;
    record.metrics = outcome.metrics;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log.write(record);
    bar.update(progress.step, outcome.loss, lr);

    if (outcome.skipped) {
      ++progress.bad_steps;
      bar.message(fmt::format("step {} skipped: loss {} / gradient norm {} is not finite ({} so far)", progress.step,
                              outcome.loss, outcome.grad_norm, progress.bad_steps));
      if (progress.bad_steps > s.max_bad_steps)
        throw Error(
            fmt::format("aborting at step {}: {} steps had a NaN/Inf loss or gradient "
                        "(training.max_bad_steps = {}); lower optimizer.learning_rate or check the data",
                        progress.step, progress.bad_steps, s.max_bad_steps));
    }
    const bool at_end = progress.step == s.max_steps;
    if ((s.checkpoint_every > 0 && progress.step % s.checkpoint_every == 0) || at_end || stop.requested()) {
      save_checkpoint(progress.step);
    }
    if (stop.requested()) {
      bar.finish();
      spdlog::info("stopped by signal {} after step {}; resume with --resume latest", stop.signal(), progress.step);
      return 0;
    }
    if (!at_end && s.validation_every > 0 && progress.step % s.validation_every == 0) {
      bar.finish();
      run_validation(model, s.validation_prompts, progress.step, output_dir.string(), s.validation_gif);
    }
  }
  bar.finish();

  // ---- outputs ----
  auto files = trainer.call("export_weights", [&](Trainer& t) { return t.export_weights(output_dir.string()); });
  auto samples = run_validation(model, s.validation_prompts, progress.step, output_dir.string(), s.validation_gif);
  spdlog::info("done: {} steps, outputs in {}", progress.step, output_dir.string());
  for (const auto& f : files) spdlog::info("  {} ({})", f.path, f.description);
  for (const auto& f : samples) spdlog::info("  {} (validation sample)", f);
  spdlog::info("  {} (per-step log), {} (resolved config)", (output_dir / "train_log.jsonl").string(),
               setup.environment.resolved_config.string());
  return 0;
}

}  // namespace finetrain::host
