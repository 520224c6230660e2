// The shipped plugins as a user meets them through the CLI: `plugins --json` lists ltx-video, the
// sentencepiece tokenizer and sft as compatible; `config explain` documents every key they declare;
// `config check` accepts the documented example configs/quickstart.toml.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "test_support.hpp"

namespace finetrain {
namespace {

nlohmann::json run_json(const std::string& args) {
  std::string output;
  const int rc = testing::run_command(testing::finetrain_executable() + " --log-level error " + args, &output, 120);
  EXPECT_EQ(rc, 0) << output;
  return nlohmann::json::parse(output);
}

TEST(LtxVideoPluginCliTest, PluginsListsTheShippedPluginsAsCompatible) {
  const nlohmann::json plugins = run_json("plugins --json");
  std::set<std::pair<std::string, std::string>> found;
  for (const auto& p : plugins) {
    if (!p["compatible"].get<bool>()) continue;
    found.emplace(p["kind"].get<std::string>(), p["name"].get<std::string>());
  }
  EXPECT_TRUE(found.count({"model", "ltx-video"})) << plugins.dump(2);
  EXPECT_TRUE(found.count({"tokenizer", "sentencepiece"})) << plugins.dump(2);
  EXPECT_TRUE(found.count({"trainer", "sft"})) << plugins.dump(2);
}

TEST(LtxVideoPluginCliTest, ConfigExplainDocumentsEveryModelAndTrainerKey) {
  const nlohmann::json explain = run_json("config explain --model ltx-video --trainer sft --json");
  std::set<std::string> keys;
  for (const auto& k : explain["keys"]) {
    const std::string key = k["key"].get<std::string>();
    keys.insert(key);
    EXPECT_FALSE(k["doc"].get<std::string>().empty()) << key << " has no documentation";
  }
  // What the plugins declare: the family's model keys and the sft trainer's.
  for (const char* key :
       {"model.preset", "model.path", "model.tokenizer", "model.text_encoder", "model.max_sequence_length",
        "model.frame_rate", "model.decode_timestep", "model.decode_noise_scale", "model.text_encoder_dtype",
        "model.vae_dtype", "model.vae_tiling", "sft.mode", "sft.first_frame_conditioning_p", "lora.rank", "lora.alpha",
        "lora.targets", "flow_matching.sampling", "flow_matching.weighting", "flow_matching.shift"})
    EXPECT_TRUE(keys.count(key)) << key;
}

TEST(LtxVideoPluginCliTest, QuickstartConfigChecksClean) {
  std::string output;
  const std::string run = testing::source_dir() + "/configs/quickstart.toml";
  EXPECT_EQ(testing::run_command(testing::finetrain_executable() + " config check " + run, &output, 120), 0) << output;
  EXPECT_NE(output.find("preset = \"tiny\""), std::string::npos) << output;  // the resolved config is printed
}

}  // namespace
}  // namespace finetrain
