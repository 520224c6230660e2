// validation.*: samples written while training, to watch a run.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_validation_section(ConfigSchema& schema) {
  schema.add_int("validation.every_steps", 0, "Sample the validation prompts every N steps (and at the end); 0 = only at the end")
      .range(0, std::nullopt);
  schema.add_table_list(
      "validation.prompts",
      {
          item_key("prompt", ValueType::String, std::monostate{}, "Text prompt").require(),
          item_key("negative_prompt", ValueType::String, std::string(""), "Negative prompt for guidance"),
          item_key("num_frames", ValueType::Int, int64_t{0}, "Frames to generate; 0 = data.frames"),
          item_key("height", ValueType::Int, int64_t{0}, "Height in pixels; 0 = data.height"),
          item_key("width", ValueType::Int, int64_t{0}, "Width in pixels; 0 = data.width"),
          item_key("num_inference_steps", ValueType::Int, int64_t{30}, "Sampler steps"),
          item_key("guidance_scale", ValueType::Float, 3.0, "Classifier-free guidance scale (1 = off)"),
          item_key("seed", ValueType::Int, int64_t{0}, "Seed of the initial noise"),
          item_key("frame_rate", ValueType::Float, 0.0, "Frame rate of the written video; 0 = the model's default"),
      },
      "Prompts sampled at each validation; none = no validation");
  schema.add_bool("validation.gif", false, "Also write each validation sample as .gif");
}

}  // namespace finetrain::host
