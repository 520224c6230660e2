// The repeated blocks of a denoiser, and the single place they are executed.
//
// A model runs each of its repeated blocks through BlockRunner::run(). That one call site is what
// lets the host turn on activation checkpointing per block and lets a parallel backend gather
// sharded parameters before a block and free them after it, without the model knowing either.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

struct BlockRef {
  std::string name;            // module path inside the denoiser, e.g. "transformer_blocks.3"
  torch::nn::Module* module;   // owned by the model
};

// Called around every block execution (forward, and the recompute during backward).
class FT_SDK_API BlockHooks {
 public:
  virtual ~BlockHooks();
  virtual void before_block(size_t index) = 0;
  virtual void after_block(size_t index) = 0;
};

class FT_SDK_API BlockRunner {
 public:
  using BlockFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>& inputs)>;

  BlockRunner();
  ~BlockRunner();
  BlockRunner(const BlockRunner&) = delete;
  BlockRunner& operator=(const BlockRunner&) = delete;

  void set_blocks(std::vector<BlockRef> blocks);
  const std::vector<BlockRef>& blocks() const { return blocks_; }

  void set_checkpointing(bool enabled);               // every block
  void set_checkpointing(size_t index, bool enabled);  // one block
  bool checkpointing(size_t index) const;

  void add_hooks(BlockHooks* hooks);  // not owned; called in registration order
  void clear_hooks();

  // Runs block `index`: fn(inputs) directly, or under activation checkpointing when enabled and
  // grad mode is on. Tensors the block closes over that need gradients must be passed in `inputs`.
  std::vector<at::Tensor> run(size_t index, const BlockFn& fn, const std::vector<at::Tensor>& inputs);

 private:
  std::vector<BlockRef> blocks_;
  std::vector<bool> checkpoint_;
  std::vector<BlockHooks*> hooks_;
};

}  // namespace finetrain
