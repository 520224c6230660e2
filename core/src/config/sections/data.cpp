// data.*: where the training samples come from and the shape they are cut to.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_data_section(ConfigSchema& schema) {
  schema.add_optional("data.path", ValueType::String,
                      "Dataset folder: prompts.txt + videos.txt, line-aligned, media paths relative to the folder");
  schema.add_int("data.frames", 9, "Frames per sample, sampled evenly over each clip (1 = images)").range(1, std::nullopt);
  schema.add_int("data.height", 256, "Sample height in pixels (clips are scaled to cover, then center-cropped)")
      .range(1, std::nullopt);
  schema.add_int("data.width", 256, "Sample width in pixels").range(1, std::nullopt);
  schema.add_bool("data.shuffle", true, "Shuffle the samples every epoch (the order depends only on training.seed)");
  schema.add_bool("data.strict", false, "Fail on unreadable media instead of skipping and counting it");
}

}  // namespace finetrain::host
