#include "training/training_settings.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::host {

c10::ScalarType dtype_from_name(const std::string& name) {
  if (name == "fp32") return c10::ScalarType::Float;
  if (name == "bf16") return c10::ScalarType::BFloat16;
  if (name == "fp16") return c10::ScalarType::Half;
  throw Error(fmt::format("unknown dtype '{}' (fp32, bf16, fp16)", name));
}

TrainingSettings training_settings_from_options(const Options& o) {
  TrainingSettings s;
  s.output_dir = o.get_string("output_dir");
  s.max_steps = o.get_int("training.max_steps");
  s.batch_size = o.get_int("training.batch_size");
  s.accumulation_steps = o.get_int("training.gradient_accumulation_steps");
  s.max_grad_norm = o.get_float("training.max_grad_norm");
  s.gradient_checkpointing = o.get_bool("training.gradient_checkpointing");
  s.dtype = dtype_from_name(o.get_string("training.dtype"));
  s.seed = static_cast<uint64_t>(o.get_int("training.seed"));
  s.deterministic = o.get_bool("training.deterministic");
  s.max_bad_steps = o.get_int("training.max_bad_steps");

  s.learning_rate = o.get_float("optimizer.learning_rate");
  s.optimizer.name = o.get_string("optimizer.name");
  s.optimizer.beta1 = o.get_float("optimizer.beta1");
  s.optimizer.beta2 = o.get_float("optimizer.beta2");
  s.optimizer.epsilon = o.get_float("optimizer.epsilon");
  s.optimizer.weight_decay = o.get_float("optimizer.weight_decay");
  s.optimizer.momentum = o.get_float("optimizer.momentum");

  s.lr_schedule.name = o.get_string("lr_scheduler.name");
  s.lr_schedule.warmup_steps = o.get_int("lr_scheduler.warmup_steps");
  s.lr_schedule.total_steps = s.max_steps;
  s.lr_schedule.num_cycles = o.get_float("lr_scheduler.num_cycles");
  s.lr_schedule.power = o.get_float("lr_scheduler.power");
  s.lr_schedule.lr_end = o.get_float("lr_scheduler.lr_end");

  s.checkpoint_every = o.get_int("checkpoints.every_steps");
  s.checkpoint_keep_last = o.get_int("checkpoints.keep_last");
  s.checkpoint_export_weights = o.get_bool("checkpoints.export_weights");

  if (!o.has("data.path")) throw Error("data.path is not set: name the dataset folder to train on");
  s.data_path = o.get_string("data.path");
  s.bucket = {o.get_int("data.frames"), o.get_int("data.height"), o.get_int("data.width")};
  s.data_shuffle = o.get_bool("data.shuffle");
  s.data_strict = o.get_bool("data.strict");

  s.validation_every = o.get_int("validation.every_steps");
  s.validation_gif = o.get_bool("validation.gif");
  for (const auto& entry : o.get_table_list("validation.prompts")) {
    ValidationPrompt v;
    SampleRequest& r = v.request;
    r.prompt = entry->get_string("prompt");
    r.negative_prompt = entry->get_string("negative_prompt");
    r.num_frames = entry->get_int("num_frames") ? entry->get_int("num_frames") : s.bucket.frames;
    r.height = entry->get_int("height") ? entry->get_int("height") : s.bucket.height;
    r.width = entry->get_int("width") ? entry->get_int("width") : s.bucket.width;
    r.num_inference_steps = entry->get_int("num_inference_steps");
    r.guidance_scale = entry->get_float("guidance_scale");
    r.seed = static_cast<uint64_t>(entry->get_int("seed"));
    r.frame_rate = entry->get_float("frame_rate");  // 0: the model's default, filled by the engine
    v.label = r.prompt.size() > 40 ? r.prompt.substr(0, 37) + "..." : r.prompt;
    s.validation_prompts.push_back(std::move(v));
  }
  return s;
}

}  // namespace finetrain::host
