// checkpoints.*: what a killed or preempted run resumes from.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_checkpoints_section(ConfigSchema& schema) {
  schema.add_int("checkpoints.every_steps", 500,
                 "Write <output_dir>/checkpoints/step_<N>/ every N steps (and at the end); 0 = only at the end")
      .range(0, std::nullopt);
  schema.add_int("checkpoints.keep_last", 3, "Checkpoints kept on disk (oldest removed first); 0 = keep all")
      .range(0, std::nullopt);
  schema.add_bool("checkpoints.export_weights", true,
                  "Also export the trained weights (e.g. LoRA files) into each checkpoint, to try them mid-run");
}

}  // namespace finetrain::host
