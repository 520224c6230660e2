#include "finetrain/nn/linear.hpp"

#include <ATen/Functions.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include "finetrain/error.hpp"

namespace {
at::Generator generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }
}  // namespace

TEST(LoraLinearTest, StartsAtTheBaseOutputAndNamesFactorsLikePeft) {
  finetrain::Linear layer(torch::nn::LinearOptions(8, 6).bias(true));
  at::Tensor x = at::randn({3, 8});
  at::Tensor before = layer(x).detach();
  layer->enable_lora({4, 8.0, 0.0, "kaiming"}, generator(1), at::kFloat);
  EXPECT_TRUE(at::equal(layer(x), before));  // B = 0
  std::vector<std::string> names;
  for (const auto& p : layer->named_parameters()) names.push_back(p.key());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "lora_A.weight", "lora_B.weight"}));
  EXPECT_EQ(layer->lora_A.sizes(), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(layer->lora_B.sizes(), (std::vector<int64_t>{6, 4}));
  EXPECT_DOUBLE_EQ(layer->lora_scale(), 2.0);
  EXPECT_THROW(layer->enable_lora({4, 8.0, 0.0, "kaiming"}, generator(1), at::kFloat), finetrain::Error);
}

TEST(LoraLinearTest, MergedOutputEqualsUnmergedAndUnmergeRestores) {
  finetrain::Linear layer(8, 6);
  layer->enable_lora({4, 4.0, 0.0, "kaiming"}, generator(2), at::kFloat);
  {
    at::NoGradGuard guard;
    layer->lora_B.normal_(0, 0.5);
  }
  at::Tensor x = at::randn({5, 8});
  at::Tensor w0 = layer->weight.detach().clone();
  at::Tensor unmerged = layer(x).detach();
  layer->merge_lora();
  EXPECT_TRUE(at::allclose(layer(x), unmerged, 1e-5, 1e-6));
  layer->unmerge_lora();
  EXPECT_TRUE(at::allclose(layer->weight, w0, 0, 1e-6));
  EXPECT_TRUE(at::allclose(layer(x), unmerged, 1e-5, 1e-6));
}

TEST(LoraLinearTest, GradientsReachTheFactorsWhenTheBaseIsFrozen) {
  finetrain::Linear layer(8, 6);
  layer->weight.requires_grad_(false);
  layer->bias.requires_grad_(false);
  layer->enable_lora({2, 2.0, 0.0, "gaussian"}, generator(3), at::kFloat);
  layer(at::randn({4, 8})).pow(2).sum().backward();
  EXPECT_FALSE(layer->weight.grad().defined());
  ASSERT_TRUE(layer->lora_B.grad().defined());
  EXPECT_GT(layer->lora_B.grad().abs().sum().item<float>(), 0.0f);
  // A gets no gradient on the first step (B = 0), exactly as in PEFT.
  EXPECT_EQ(layer->lora_A.grad().abs().sum().item<float>(), 0.0f);
}
