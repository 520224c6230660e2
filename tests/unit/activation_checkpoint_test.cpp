#include "finetrain/activation_checkpoint.hpp"

#include <ATen/Functions.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include "finetrain/block_runner.hpp"
#include "finetrain/nn/linear.hpp"

namespace {

// A block with randomness (dropout) and a frozen base weight plus trainable parts.
struct Block : torch::nn::Module {
  Block() {
    fc1 = register_module("fc1", finetrain::Linear(6, 12));
    fc2 = register_module("fc2", finetrain::Linear(12, 6));
    fc1->weight.requires_grad_(false);
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& scale) {
    at::Tensor h = at::gelu(fc1(x)) * scale;
    h = at::dropout(h, 0.3, /*train=*/true);
    return fc2(h) + x;
  }
  finetrain::Linear fc1{nullptr}, fc2{nullptr};
};

struct Grads {
  at::Tensor loss, x, scale, fc1_bias, fc2_weight;
};

Grads run(bool checkpoint, uint64_t seed) {
  torch::manual_seed(7);
  auto block = std::make_shared<Block>();
  finetrain::BlockRunner runner;
  runner.set_blocks({{"block", block.get()}});
  runner.set_checkpointing(checkpoint);
  at::Tensor x = at::randn({4, 6}).requires_grad_(true);
  at::Tensor scale = at::randn({12}).requires_grad_(true);
  torch::manual_seed(seed);
  auto out = runner.run(0, [block](const std::vector<at::Tensor>& in) { return std::vector<at::Tensor>{block->forward(in[0], in[1])}; },
                        {x, scale});
  at::Tensor loss = (out[0] * out[0]).sum();
  // Draw from the RNG between forward and backward: the recompute must not see this.
  at::randn({3});
  loss.backward();
  return {loss.detach(), x.grad(), scale.grad(), block->fc1->bias.grad(), block->fc2->weight.grad()};
}

}  // namespace

TEST(ActivationCheckpointTest, GradientsEqualTheUnwrappedBlockIncludingDropout) {
  Grads plain = run(false, 123);
  Grads ckpt = run(true, 123);
  EXPECT_TRUE(at::equal(plain.loss, ckpt.loss));
  EXPECT_TRUE(at::equal(plain.x, ckpt.x));
  EXPECT_TRUE(at::equal(plain.scale, ckpt.scale));
  EXPECT_TRUE(at::equal(plain.fc1_bias, ckpt.fc1_bias));
  EXPECT_TRUE(at::equal(plain.fc2_weight, ckpt.fc2_weight));
}

TEST(ActivationCheckpointTest, RecomputeLeavesTheCallersRngStreamAlone) {
  auto draw_after_backward = [](bool checkpoint) {
    torch::manual_seed(1);
    at::Tensor x = at::randn({8}).requires_grad_(true);
    auto dropout = [](const std::vector<at::Tensor>& in) { return std::vector<at::Tensor>{at::dropout(in[0], 0.5, true)}; };
    at::Tensor y = checkpoint ? finetrain::checkpointed_call(dropout, {x}, {})[0] : dropout({x})[0];
    y.sum().backward();  // with checkpointing, the recompute draws the dropout mask again
    return at::randn({5});
  };
  EXPECT_TRUE(at::equal(draw_after_backward(true), draw_after_backward(false)));
}

TEST(ActivationCheckpointTest, NoGradModeRunsTheBlockDirectly) {
  finetrain::BlockRunner runner;
  auto block = std::make_shared<Block>();
  runner.set_blocks({{"block", block.get()}});
  runner.set_checkpointing(true);
  at::NoGradGuard guard;
  auto out = runner.run(0, [](const std::vector<at::Tensor>& in) { return in; }, {at::ones({2})});
  EXPECT_FALSE(out[0].requires_grad());
}
