// The configuration of LTXVideoTransformer3DModel: every argument of diffusers' __init__
// (src/diffusers/models/transformers/transformer_ltx.py @ 58eb52c0), read from and written as the
// diffusers `transformer/config.json`.
#pragma once

#include <cstdint>
#include <string>

namespace finetrain::ltx_video {

struct LtxTransformerConfig {
  int64_t in_channels = 128;
  int64_t out_channels = 128;  // null / 0 in config.json means in_channels, as in diffusers
  int64_t patch_size = 1;      // the transformer never patchifies; patch sizes only scale RoPE coordinates
  int64_t patch_size_t = 1;
  int64_t num_attention_heads = 32;
  int64_t attention_head_dim = 64;
  int64_t cross_attention_dim = 2048;
  int64_t num_layers = 28;
  std::string activation_fn = "gelu-approximate";
  std::string qk_norm = "rms_norm_across_heads";
  bool norm_elementwise_affine = false;
  double norm_eps = 1e-6;
  int64_t caption_channels = 4096;
  bool attention_bias = true;
  bool attention_out_bias = true;

  int64_t inner_dim() const { return num_attention_heads * attention_head_dim; }

  // Throws finetrain::Error naming `label`, the key, what is supported and what was found.
  void validate(const std::string& label) const;

  // Parses a diffusers config.json. Missing keys keep diffusers' defaults, keys starting with '_'
  // (_class_name, _diffusers_version, _name_or_path) are ignored, any other unknown key, a wrong type
  // or an unsupported value is an error naming `label` and the key. The result is validated.
  static LtxTransformerConfig from_json(const std::string& json_text, const std::string& label);
  // The diffusers config.json for this configuration (with _class_name).
  std::string to_json() const;
};

}  // namespace finetrain::ltx_video
