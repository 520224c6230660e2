#include "family_presets.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "transformer/presets.hpp"
#include "vae/presets.hpp"

namespace finetrain::ltx_video {
namespace {

// google/t5-v1_1-xxl's encoder: the text encoder of every LTX-Video release.
T5EncoderConfig t5_v1_1_xxl() {
  T5EncoderConfig c;
  c.vocab_size = 32128;
  c.d_model = 4096;
  c.d_kv = 64;
  c.d_ff = 10240;
  c.num_heads = 64;
  c.num_layers = 24;
  c.relative_attention_num_buckets = 32;
  c.relative_attention_max_distance = 128;
  c.gated = true;
  c.activation = T5Activation::GeluNew;
  return c;
}

// A T5 v1.1-style encoder small enough to train with on two CPU cores. Its vocabulary covers the
// SentencePiece models the quickstart and the tests train with spm_train (vocab_size <= 1024).
T5EncoderConfig t5_tiny() {
  T5EncoderConfig c = t5_v1_1_xxl();
  c.vocab_size = 1024;
  c.d_model = kTinyCaptionChannels;
  c.d_kv = 8;
  c.d_ff = 64;
  c.num_heads = 4;
  c.num_layers = 2;
  return c;
}

struct Row {
  const char* name;
  const char* transformer;
  const char* vae;
};
constexpr Row kRows[] = {
    {"tiny", "tiny", "tiny"},
    {"ltxv-2b-0.9.0", "ltxv-2b", "0.9.0"},
    {"ltxv-2b-0.9.1", "ltxv-2b", "0.9.1"},
    {"ltxv-2b-0.9.5", "ltxv-2b", "0.9.5"},
    {"ltxv-2b-0.9.6", "ltxv-2b", "0.9.5"},
    {"ltxv-13b-0.9.7", "ltxv-13b", "0.9.5"},
    {"ltxv-13b-0.9.8", "ltxv-13b", "0.9.5"},
};

}  // namespace

const std::string& ltx_scheduler_config_json() {
  static const std::string json = R"({
  "_class_name": "FlowMatchEulerDiscreteScheduler",
  "base_image_seq_len": 1024, "base_shift": 0.95, "invert_sigmas": false, "max_image_seq_len": 4096,
  "max_shift": 2.05, "num_train_timesteps": 1000, "shift": 1.0, "shift_terminal": 0.1,
  "use_beta_sigmas": false, "use_dynamic_shifting": true, "use_exponential_sigmas": false,
  "use_karras_sigmas": false})";
  return json;
}

std::vector<std::string> family_preset_names() {
  std::vector<std::string> names;
  for (const Row& r : kRows) names.push_back(r.name);
  return names;
}

FamilyPreset family_preset(const std::string& name) {
  for (const Row& r : kRows) {
    if (name != r.name) continue;
    const bool tiny = name == "tiny";
    return {r.name, ltx_transformer_preset(r.transformer), vae::ltx_vae_preset(r.vae), tiny ? t5_tiny() : t5_v1_1_xxl(),
            ltx_scheduler_config_json(), tiny};
  }
  std::string known;
  for (const Row& r : kRows) known += (known.empty() ? "" : ", ") + std::string(r.name);
  throw Error(fmt::format("unknown ltx-video preset '{}' (known: {})", name, known));
}

}  // namespace finetrain::ltx_video
