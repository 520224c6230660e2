#include "finetrain/block_runner.hpp"

#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include "finetrain/activation_checkpoint.hpp"

#include "finetrain/error.hpp"

namespace finetrain {

BlockRunner::BlockRunner() = default;
BlockRunner::~BlockRunner() = default;

void BlockRunner::set_blocks(std::vector<BlockRef> blocks) {
  blocks_ = std::move(blocks);
  checkpoint_.assign(blocks_.size(), false);
}

void BlockRunner::set_checkpointing(bool enabled) { checkpoint_.assign(blocks_.size(), enabled); }

void BlockRunner::set_checkpointing(size_t index, bool enabled) {
  if (index >= checkpoint_.size())
    throw Error(fmt::format("block index {} out of range ({} blocks)", index, blocks_.size()));
  checkpoint_[index] = enabled;
}

bool BlockRunner::checkpointing(size_t index) const { return index < checkpoint_.size() && checkpoint_[index]; }

void BlockRunner::add_hooks(BlockHooks* hooks) { hooks_.push_back(hooks); }
void BlockRunner::clear_hooks() { hooks_.clear(); }

std::vector<at::Tensor> BlockRunner::run(size_t index, const BlockFn& fn, const std::vector<at::Tensor>& inputs) {
  if (index >= blocks_.size())
    throw Error(fmt::format("block index {} out of range ({} blocks registered with set_blocks)", index,
                            blocks_.size()));
  // Hooks wrap every execution, including the recomputation during backward.
  auto hooked = [this, index, fn](const std::vector<at::Tensor>& args) {
    for (BlockHooks* h : hooks_) h->before_block(index);
    std::vector<at::Tensor> outputs = fn(args);
    for (BlockHooks* h : hooks_) h->after_block(index);
    return outputs;
  };
  if (!checkpoint_[index] || !c10::GradMode::is_enabled()) return hooked(inputs);
  std::vector<at::Tensor> params;
  for (const auto& p : blocks_[index].module->parameters()) params.push_back(p);
  return checkpointed_call(hooked, inputs, params);
}

}  // namespace finetrain
