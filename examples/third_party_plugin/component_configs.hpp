// Architecture of each toy-pixel component, as its diffusers-style config.json spells it, and the
// presets the plugin can build without a checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace toy_pixel {

// transformer/config.json, "_class_name": "ToyPixelTransformer2DModel".
struct TransformerConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t num_layers = 2;
  int64_t hidden_size = 32;
  int64_t ff_inner_dim = 64;
  int64_t caption_channels = 16;     // width of the text encoder's hidden states
  int64_t timestep_channels = 32;    // sinusoidal timestep features
  int64_t position_frequencies = 4;  // sin/cos octaves per axis (frame, row, column)
};

// text_encoder/config.json, "_class_name": "ToyPixelTextEncoder".
struct TextEncoderConfig {
  int64_t vocab_size = 256;  // hash buckets; id 0 is padding
  int64_t hidden_size = 16;
  int64_t max_length = 32;  // words per caption; longer captions are truncated
};

// vae/config.json, "_class_name": "ToyPixelIdentityVAE".
struct VaeConfig {
  std::vector<double> latents_mean = {0.0, 0.0, 0.0};
  std::vector<double> latents_std = {0.5, 0.5, 0.5};
};

struct PresetConfigs {
  TransformerConfig transformer;
  TextEncoderConfig text_encoder;
  VaeConfig vae;
};

extern const char* const kTransformerClass;
extern const char* const kTextEncoderClass;
extern const char* const kVaeClass;

std::vector<std::string> preset_names();
// Throws finetrain::Error naming the known presets when `name` is none of them.
PresetConfigs preset(const std::string& name);

// Parse a config.json text. Keys starting with "_" (class name, diffusers version) are ignored;
// unknown keys, wrong types and invalid values throw finetrain::Error naming `label` and the key.
TransformerConfig parse_transformer_config(const std::string& json_text, const std::string& label);
TextEncoderConfig parse_text_encoder_config(const std::string& json_text, const std::string& label);
VaeConfig parse_vae_config(const std::string& json_text, const std::string& label);

}  // namespace toy_pixel
