// Activation checkpointing: run a block without keeping its activations, recompute them during
// backward. Trades one extra forward of the block for memory linear in the number of blocks.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

using CheckpointFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>& inputs)>;

// Calls fn(inputs) under no-grad and records a node whose backward re-runs fn with grad enabled
// and the CPU RNG state of the original call (so dropout draws the same mask), then differentiates
// the recomputation. `params` are the tensors fn reads without receiving them as inputs (the
// block's parameters); they get their gradients through this node.
//
// fn is kept until backward: it must own what it uses (capture tensors by value, not by reference).
// Gradients equal those of calling fn directly.
FT_SDK_API std::vector<at::Tensor> checkpointed_call(const CheckpointFn& fn, const std::vector<at::Tensor>& inputs,
                                                     const std::vector<at::Tensor>& params);

}  // namespace finetrain
