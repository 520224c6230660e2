#include "finetrain/lora.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/container/modulelist.h>

#include "finetrain/error.hpp"

namespace {

using finetrain::Linear;

struct Attention : torch::nn::Module {
  Attention() {
    to_q = register_module("to_q", Linear(8, 8));
    to_k = register_module("to_k", Linear(8, 8));
    to_out = register_module("to_out", torch::nn::ModuleList());
    to_out->push_back(Linear(8, 8));
  }
  at::Tensor forward(const at::Tensor& x) { return to_out->at<finetrain::LinearImpl>(0).forward(to_q(x) + to_k(x)); }
  Linear to_q{nullptr}, to_k{nullptr};
  torch::nn::ModuleList to_out{nullptr};
};

struct Toy : torch::nn::Module {
  Toy() {
    proj_in = register_module("proj_in", Linear(4, 8));
    blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int i = 0; i < 2; ++i) {
      auto a = std::make_shared<Attention>();
      attn.push_back(a);
      blocks->push_back(a);
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = proj_in(x);
    for (auto& a : attn) h = h + a->forward(h);
    return h;
  }
  Linear proj_in{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  std::vector<std::shared_ptr<Attention>> attn;
};

// ComfyUI names this toy's input projection "patchify_proj", everything else as diffusers.
struct ToyAdapter : finetrain::StateDictAdapter {
  std::string from_diffusers(const std::string& key, finetrain::KeyFormat format) const override {
    if (format == finetrain::KeyFormat::Comfy && key.rfind("proj_in.", 0) == 0) return "patchify_proj." + key.substr(8);
    return key;
  }
  std::string to_diffusers(const std::string& key, finetrain::KeyFormat format) const override {
    if (format == finetrain::KeyFormat::Comfy && key.rfind("patchify_proj.", 0) == 0) return "proj_in." + key.substr(14);
    return key;
  }
};

at::Generator gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

const char* kTargets = R"((proj_in|transformer_blocks\.\d+\.(to_q|to_out\.0)))";

std::vector<finetrain::LoraLayer> trained_lora(Toy& toy) {
  auto layers = finetrain::inject_lora(toy, kTargets, {4, 8.0, 0.0, "kaiming"}, gen(5), at::kFloat);
  at::NoGradGuard g;
  for (auto& l : layers) l.layer->lora_B.normal_(0, 0.1);
  return layers;
}

}  // namespace

TEST(LoraTest, InjectsByFullMatchAndFreezesTheRest) {
  Toy toy;
  auto layers = trained_lora(toy);
  std::vector<std::string> names;
  for (auto& l : layers) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"proj_in", "transformer_blocks.0.to_q", "transformer_blocks.0.to_out.0",
                                             "transformer_blocks.1.to_q", "transformer_blocks.1.to_out.0"}));
  finetrain::freeze_all_but_lora(toy);
  int64_t trainable = 0;
  for (const auto& p : toy.named_parameters())
    if (p.value().requires_grad()) ++trainable;
  EXPECT_EQ(trainable, 10);
  EXPECT_EQ(finetrain::find_lora_layers(toy).size(), 5u);
  try {
    finetrain::inject_lora(toy, "nothing_like_this", {}, gen(1), at::kFloat);
    FAIL();
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find("match no linear layer; the model has 7 linear layers"), std::string::npos)
        << e.what();
  }
}

TEST(LoraTest, ExportFoldsAlphaAndLoadsBackToTheSameOutputs) {
  Toy a;
  auto layers = trained_lora(a);
  at::Tensor x = at::randn({3, 4});
  at::Tensor expected = a.forward(x).detach();
  ToyAdapter adapter;
  finetrain::TensorMap file = finetrain::export_lora(layers, finetrain::LoraFormat::Diffusers, adapter);
  EXPECT_EQ(file.size(), 10u);
  ASSERT_TRUE(file.count("transformer.transformer_blocks.1.to_out.0.lora_B.weight"));
  EXPECT_TRUE(at::equal(file.at("transformer.proj_in.lora_B.weight"), layers[0].layer->lora_B * 2.0));

  // Same base weights, fresh LoRA of the same rank but another alpha: loading overrides it.
  Toy b;
  {
    at::NoGradGuard g;
    auto source = a.named_parameters();
    for (auto& p : b.named_parameters()) p.value().copy_(source[p.key()]);
  }
  auto b_layers = finetrain::inject_lora(b, kTargets, {4, 1.0, 0.0, "gaussian"}, gen(9), at::kFloat);
  finetrain::load_lora(file, b_layers, adapter);
  EXPECT_TRUE(at::allclose(b.forward(x), expected, 1e-6, 1e-6));
  finetrain::TensorMap again = finetrain::export_lora(b_layers, finetrain::LoraFormat::Diffusers, adapter);
  for (const auto& [k, v] : file) EXPECT_TRUE(at::equal(again.at(k), v)) << k;
}

TEST(LoraTest, ComfyConversionRenamesAndRoundTripsBitExactly) {
  Toy toy;
  auto layers = trained_lora(toy);
  ToyAdapter adapter;
  auto diffusers = finetrain::export_lora(layers, finetrain::LoraFormat::Diffusers, adapter);
  auto comfy = finetrain::convert_lora(diffusers, finetrain::LoraFormat::Comfy, adapter);
  EXPECT_TRUE(comfy.count("diffusion_model.patchify_proj.lora_A.weight"));
  EXPECT_TRUE(comfy.count("diffusion_model.transformer_blocks.0.to_out.0.lora_B.weight"));
  EXPECT_EQ(finetrain::detect_lora_format(comfy), finetrain::LoraFormat::Comfy);
  EXPECT_EQ(comfy.size(), diffusers.size());
  auto back = finetrain::convert_lora(comfy, finetrain::LoraFormat::Diffusers, adapter);
  ASSERT_EQ(back.size(), diffusers.size());
  for (const auto& [k, v] : diffusers) EXPECT_TRUE(at::equal(back.at(k), v)) << k;
  EXPECT_TRUE(at::equal(finetrain::export_lora(layers, finetrain::LoraFormat::Comfy, adapter).at(
                            "diffusion_model.patchify_proj.lora_B.weight"),
                        comfy.at("diffusion_model.patchify_proj.lora_B.weight")));
}

TEST(LoraTest, UnknownOrForeignKeysAreErrors) {
  Toy toy;
  auto layers = trained_lora(toy);
  ToyAdapter adapter;
  auto file = finetrain::export_lora(layers, finetrain::LoraFormat::Diffusers, adapter);
  auto with_alpha = file;
  with_alpha["transformer.proj_in.alpha"] = at::ones({});
  EXPECT_THROW(finetrain::load_lora(with_alpha, layers, adapter), finetrain::Error);
  auto mixed = file;
  mixed["diffusion_model.proj_in.lora_A.weight"] = at::ones({4, 4});
  EXPECT_THROW(finetrain::detect_lora_format(mixed), finetrain::Error);
  auto stranger = file;
  stranger["transformer.transformer_blocks.0.to_k.lora_A.weight"] = at::ones({4, 8});
  EXPECT_THROW(finetrain::load_lora(stranger, layers, adapter), finetrain::Error);
  auto missing = file;
  missing.erase("transformer.proj_in.lora_B.weight");
  EXPECT_THROW(finetrain::load_lora(missing, layers, adapter), finetrain::Error);
}
