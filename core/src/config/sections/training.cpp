// training.*: the optimisation loop itself (the same for every model and trainer).
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_training_section(ConfigSchema& schema) {
  schema.add_int("training.max_steps", 1000, "Optimizer steps to train").range(1, std::nullopt);
  schema.add_int("training.batch_size", 1, "Samples per micro-batch").range(1, std::nullopt);
  schema.add_int("training.gradient_accumulation_steps", 1, "Micro-batches per optimizer step").range(1, std::nullopt);
  schema.add_float("training.max_grad_norm", 1.0, "Clip gradients to this global L2 norm; 0 disables clipping")
      .range(0, std::nullopt);
  schema.add_bool("training.gradient_checkpointing", false,
                  "Recompute each block's activations in backward instead of storing them (less memory, ~30% slower)");
  schema.add_string("training.dtype", "bf16", "Weight dtype of the denoiser; trainable parameters keep fp32 state")
      .one_of({"fp32", "bf16", "fp16"});
  schema.add_int("training.seed", 42, "Seed of every random stream of the run (noise, timesteps, data order, LoRA init)")
      .range(0, std::nullopt);
  schema.add_bool("training.deterministic", false,
                  "Use deterministic kernels only (bitwise-reproducible runs at a fixed thread count)");
  schema.add_int("training.max_bad_steps", 10,
                 "Abort after this many steps skipped because the loss or a gradient was NaN/Inf")
      .range(0, std::nullopt);
}

}  // namespace finetrain::host
