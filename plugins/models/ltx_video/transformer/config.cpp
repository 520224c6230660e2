#include "transformer/config.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "config_json.hpp"
#include "finetrain/error.hpp"

namespace finetrain::ltx_video {
namespace {

using nlohmann::json;

const char* type_name(const json& value) { return value.type_name(); }

int64_t read_int(const json& value, const std::string& key, const std::string& label) {
  if (!value.is_number_integer())
    throw Error(fmt::format("{}: \"{}\" must be an integer, found {} {}", label, key, type_name(value), value.dump()));
  return value.get<int64_t>();
}

bool read_bool(const json& value, const std::string& key, const std::string& label) {
  if (!value.is_boolean())
    throw Error(
        fmt::format("{}: \"{}\" must be true or false, found {} {}", label, key, type_name(value), value.dump()));
  return value.get<bool>();
}

double read_number(const json& value, const std::string& key, const std::string& label) {
  if (!value.is_number())
    throw Error(fmt::format("{}: \"{}\" must be a number, found {} {}", label, key, type_name(value), value.dump()));
  return value.get<double>();
}

std::string read_string(const json& value, const std::string& key, const std::string& label) {
  if (!value.is_string())
    throw Error(fmt::format("{}: \"{}\" must be a string, found {} {}", label, key, type_name(value), value.dump()));
  return value.get<std::string>();
}

void require_positive(int64_t value, const char* key, const std::string& label) {
  if (value <= 0) throw Error(fmt::format("{}: \"{}\" must be a positive integer, found {}", label, key, value));
}

}  // namespace

void LtxTransformerConfig::validate(const std::string& label) const {
  require_positive(in_channels, "in_channels", label);
  require_positive(out_channels, "out_channels", label);
  require_positive(patch_size, "patch_size", label);
  require_positive(patch_size_t, "patch_size_t", label);
  require_positive(num_attention_heads, "num_attention_heads", label);
  require_positive(attention_head_dim, "attention_head_dim", label);
  require_positive(cross_attention_dim, "cross_attention_dim", label);
  require_positive(num_layers, "num_layers", label);
  require_positive(caption_channels, "caption_channels", label);
  if (activation_fn != "gelu-approximate")
    throw Error(fmt::format(
        "{}: \"activation_fn\" must be \"gelu-approximate\" (the only feed-forward LTX-Video uses), found \"{}\"",
        label, activation_fn));
  // LTXAttention itself raises NotImplementedError for anything else.
  if (qk_norm != "rms_norm_across_heads")
    throw Error(fmt::format("{}: \"qk_norm\" must be \"rms_norm_across_heads\", found \"{}\"", label, qk_norm));
  if (!(norm_eps > 0)) throw Error(fmt::format("{}: \"norm_eps\" must be > 0, found {}", label, norm_eps));
  // The caption projection outputs inner_dim features and attn2 reads cross_attention_dim: diffusers
  // builds other values but fails in the first forward.
  if (cross_attention_dim != inner_dim())
    throw Error(fmt::format("{}: \"cross_attention_dim\" must equal num_attention_heads * attention_head_dim = {} "
                            "(cross-attention reads the projected captions), found {}",
                            label, inner_dim(), cross_attention_dim));
}

LtxTransformerConfig LtxTransformerConfig::from_json(const std::string& json_text, const std::string& label) {
  const json root = parse_config_object(json_text, label);

  LtxTransformerConfig c;
  bool out_channels_given = false;
  for (const auto& [key, value] : root.items()) {
    if (!key.empty() && key[0] == '_') continue;
    if (key == "in_channels") c.in_channels = read_int(value, key, label);
    else if (key == "out_channels") {
      // `out_channels or in_channels`: null and 0 both mean "same as the input".
      if (!value.is_null() && read_int(value, key, label) != 0) {
        c.out_channels = value.get<int64_t>();
        out_channels_given = true;
      }
    } else if (key == "patch_size") c.patch_size = read_int(value, key, label);
    else if (key == "patch_size_t") c.patch_size_t = read_int(value, key, label);
    else if (key == "num_attention_heads") c.num_attention_heads = read_int(value, key, label);
    else if (key == "attention_head_dim") c.attention_head_dim = read_int(value, key, label);
    else if (key == "cross_attention_dim") c.cross_attention_dim = read_int(value, key, label);
    else if (key == "num_layers") c.num_layers = read_int(value, key, label);
    else if (key == "activation_fn") c.activation_fn = read_string(value, key, label);
    else if (key == "qk_norm") c.qk_norm = read_string(value, key, label);
    else if (key == "norm_elementwise_affine") c.norm_elementwise_affine = read_bool(value, key, label);
    else if (key == "norm_eps") c.norm_eps = read_number(value, key, label);
    else if (key == "caption_channels") c.caption_channels = read_int(value, key, label);
    else if (key == "attention_bias") c.attention_bias = read_bool(value, key, label);
    else if (key == "attention_out_bias") c.attention_out_bias = read_bool(value, key, label);
    else
      throw Error(fmt::format("{}: unknown key \"{}\" for LTXVideoTransformer3DModel (diffusers 58eb52c0 has no such "
                              "argument)",
                              label, key));
  }
  if (!out_channels_given) c.out_channels = c.in_channels;
  c.validate(label);
  return c;
}

std::string LtxTransformerConfig::to_json() const {
  json j = {
      {"_class_name", "LTXVideoTransformer3DModel"},
      {"activation_fn", activation_fn},
      {"attention_bias", attention_bias},
      {"attention_head_dim", attention_head_dim},
      {"attention_out_bias", attention_out_bias},
      {"caption_channels", caption_channels},
      {"cross_attention_dim", cross_attention_dim},
      {"in_channels", in_channels},
      {"norm_elementwise_affine", norm_elementwise_affine},
      {"norm_eps", norm_eps},
      {"num_attention_heads", num_attention_heads},
      {"num_layers", num_layers},
      {"out_channels", out_channels},
      {"patch_size", patch_size},
      {"patch_size_t", patch_size_t},
      {"qk_norm", qk_norm},
  };
  return j.dump(2);
}

}  // namespace finetrain::ltx_video
