// `finetrain convert-lora` with the real ltx-video plugin: ComfyUI's top-level names, bit-exact round
// trips, and the errors a user meets (unknown key, file without a model family).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "finetrain/safetensors.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;

int convert_lora(const std::string& args, std::string* output) {
  return testing::run_command(testing::finetrain_executable() + " --log-level warn convert-lora " + args, output, 120);
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A diffusers-format LTX-Video LoRA touching a block projection and the top-level proj_in, whose
// ComfyUI name differs (patchify_proj).
TensorMap ltx_lora() {
  torch::manual_seed(3);
  TensorMap t;
  for (const std::string module :
       {"transformer_blocks.0.attn1.to_q", "transformer_blocks.1.attn2.to_out.0", "proj_in"}) {
    t["transformer." + module + ".lora_A.weight"] = torch::randn({4, 32});
    t["transformer." + module + ".lora_B.weight"] = torch::randn({32, 4}).to(torch::kBFloat16);
  }
  return t;
}

class ConvertLoraCliTest : public ::testing::Test {
 protected:
  fs::path dir_ = testing::make_temp_dir("convert-lora");
  fs::path diffusers_ = dir_ / "lora_weights.safetensors";
  safetensors::Metadata metadata_{{"format", "pt"}, {"finetrain.model", "ltx-video"}};
};

TEST_F(ConvertLoraCliTest, ToComfyUsesComfyNamesAndRoundTripsBitExactly) {
  const TensorMap original = ltx_lora();
  safetensors::save(diffusers_.string(), original, metadata_);
  std::string output;
  const fs::path comfy = dir_ / "comfy.safetensors";
  ASSERT_EQ(convert_lora("--to comfy " + diffusers_.string() + " " + comfy.string(), &output), 0) << output;

  auto file = safetensors::File::open(comfy.string());
  EXPECT_EQ(file->metadata().at("finetrain.model"), "ltx-video");
  const TensorMap converted = safetensors::load(comfy.string());
  ASSERT_EQ(converted.size(), original.size());
  EXPECT_TRUE(torch::equal(converted.at("diffusion_model.patchify_proj.lora_A.weight"),
                           original.at("transformer.proj_in.lora_A.weight")));
  const auto& b = converted.at("diffusion_model.transformer_blocks.1.attn2.to_out.0.lora_B.weight");
  EXPECT_EQ(b.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(b, original.at("transformer.transformer_blocks.1.attn2.to_out.0.lora_B.weight")));

  const fs::path back = dir_ / "back.safetensors";
  ASSERT_EQ(convert_lora("--to diffusers " + comfy.string() + " " + back.string(), &output), 0) << output;
  EXPECT_EQ(file_bytes(back), file_bytes(diffusers_));
}

TEST_F(ConvertLoraCliTest, UnknownKeyIsAnErrorNamingIt) {
  TensorMap t = ltx_lora();
  t["transformer.transformer_blocks.0.attn1.to_q.alpha"] = torch::tensor(4.0);
  safetensors::save(diffusers_.string(), t, metadata_);
  std::string output;
  const fs::path out = dir_ / "out.safetensors";
  EXPECT_NE(convert_lora("--to comfy " + diffusers_.string() + " " + out.string(), &output), 0);
  EXPECT_NE(output.find("transformer.transformer_blocks.0.attn1.to_q.alpha"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ConvertLoraCliTest, FileWithoutModelNeedsModelOption) {
  safetensors::save(diffusers_.string(), ltx_lora(), {});
  std::string output;
  const fs::path out = dir_ / "out.safetensors";
  EXPECT_NE(convert_lora("--to comfy " + diffusers_.string() + " " + out.string(), &output), 0);
  EXPECT_NE(output.find("--model"), std::string::npos) << output;
  ASSERT_EQ(convert_lora("--model ltx-video --to comfy " + diffusers_.string() + " " + out.string(), &output), 0)
      << output;
  EXPECT_EQ(safetensors::File::open(out.string())->metadata().at("finetrain.model"), "ltx-video");
}

}  // namespace
}  // namespace finetrain
