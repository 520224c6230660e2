// T5EncoderConfig from a transformers config.json (T5Config / UMT5Config).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "finetrain/error.hpp"
#include "finetrain/t5_encoder.hpp"

namespace finetrain {
namespace {

using nlohmann::json;

// transformers' defaults for keys a config.json leaves out.
T5EncoderConfig defaults_for(T5Variant variant) {
  T5EncoderConfig c;
  c.variant = variant;
  if (variant == T5Variant::UMT5) {
    c.vocab_size = 250112;
    c.d_ff = 1024;
    c.num_layers = 8;
    c.num_heads = 6;
  }
  return c;
}

std::string default_feed_forward_proj(T5Variant variant) { return variant == T5Variant::UMT5 ? "gated-gelu" : "relu"; }

int64_t read_positive_int(const json& j, const char* key, int64_t fallback, const std::string& label) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number_integer()) throw Error(fmt::format("{}: \"{}\" must be an integer, found {}", label, key, v.dump()));
  const int64_t value = v.get<int64_t>();
  if (value <= 0) throw Error(fmt::format("{}: \"{}\" must be positive, found {}", label, key, value));
  return value;
}

double read_number(const json& j, const char* key, double fallback, const std::string& label) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number()) throw Error(fmt::format("{}: \"{}\" must be a number, found {}", label, key, v.dump()));
  return v.get<double>();
}

// transformers: act_info = feed_forward_proj.split("-"); gated when act_info[0] == "gated";
// dense_act_fn = act_info[-1], except "gated-gelu" -> "gelu_new".
void parse_feed_forward_proj(const std::string& text, T5EncoderConfig& c, const std::string& label) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dash = text.find('-'); dash != std::string::npos; dash = text.find('-', start)) {
    parts.push_back(text.substr(start, dash - start));
    start = dash + 1;
  }
  parts.push_back(text.substr(start));
  const bool well_formed = parts.size() == 1 || (parts.size() == 2 && parts[0] == "gated");
  if (!well_formed)
    throw Error(fmt::format("{}: \"feed_forward_proj\" '{}' is not of the form 'gated-ACT' or 'ACT'", label, text));
  c.gated = parts.size() == 2;
  const std::string act = text == "gated-gelu" ? "gelu_new" : parts.back();
  if (act == "relu") {
    c.activation = T5Activation::Relu;
  } else if (act == "gelu") {
    c.activation = T5Activation::Gelu;
  } else if (act == "gelu_new") {
    c.activation = T5Activation::GeluNew;
  } else if (act == "silu") {
    c.activation = T5Activation::Silu;
  } else {
    throw Error(
        fmt::format("{}: \"feed_forward_proj\" '{}': activation '{}' is not supported "
                    "(supported: relu, gelu, gelu_new, silu)",
                    label, text, act));
  }
}

}  // namespace

T5EncoderConfig T5EncoderConfig::from_json(const std::string& json_text, const std::string& label) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", label, e.what()));
  }
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", label));

  if (!j.contains("model_type") || !j.at("model_type").is_string())
    throw Error(fmt::format("{}: missing string \"model_type\" (expected \"t5\" or \"umt5\")", label));
  const std::string model_type = j.at("model_type").get<std::string>();
  T5Variant variant;
  if (model_type == "t5") {
    variant = T5Variant::T5;
  } else if (model_type == "umt5") {
    variant = T5Variant::UMT5;
  } else {
    throw Error(fmt::format("{}: \"model_type\" is '{}', expected \"t5\" or \"umt5\"", label, model_type));
  }

  const T5EncoderConfig d = defaults_for(variant);
  T5EncoderConfig c = d;
  c.vocab_size = read_positive_int(j, "vocab_size", d.vocab_size, label);
  c.d_model = read_positive_int(j, "d_model", d.d_model, label);
  c.d_kv = read_positive_int(j, "d_kv", d.d_kv, label);
  c.d_ff = read_positive_int(j, "d_ff", d.d_ff, label);
  c.num_heads = read_positive_int(j, "num_heads", d.num_heads, label);
  c.num_layers = read_positive_int(j, "num_layers", d.num_layers, label);
  c.relative_attention_num_buckets =
      read_positive_int(j, "relative_attention_num_buckets", d.relative_attention_num_buckets, label);
  c.relative_attention_max_distance =
      read_positive_int(j, "relative_attention_max_distance", d.relative_attention_max_distance, label);
  c.layer_norm_epsilon = read_number(j, "layer_norm_epsilon", d.layer_norm_epsilon, label);
  c.dropout_rate = read_number(j, "dropout_rate", d.dropout_rate, label);

  std::string proj = default_feed_forward_proj(variant);
  if (j.contains("feed_forward_proj")) {
    if (!j.at("feed_forward_proj").is_string())
      throw Error(
          fmt::format("{}: \"feed_forward_proj\" must be a string, found {}", label, j.at("feed_forward_proj").dump()));
    proj = j.at("feed_forward_proj").get<std::string>();
  }
  parse_feed_forward_proj(proj, c, label);

  // The bidirectional bucket function needs num_buckets / 4 exact buckets and a larger max distance.
  if (c.relative_attention_num_buckets < 4 || c.relative_attention_num_buckets % 2 != 0)
    throw Error(fmt::format("{}: \"relative_attention_num_buckets\" must be even and at least 4, found {}", label,
                            c.relative_attention_num_buckets));
  if (c.relative_attention_max_distance <= c.relative_attention_num_buckets / 4)
    throw Error(
        fmt::format("{}: \"relative_attention_max_distance\" ({}) must exceed relative_attention_num_buckets / 4 ({})",
                    label, c.relative_attention_max_distance, c.relative_attention_num_buckets / 4));
  if (c.dropout_rate < 0.0 || c.dropout_rate >= 1.0)
    throw Error(fmt::format("{}: \"dropout_rate\" must be in [0, 1), found {}", label, c.dropout_rate));
  if (c.layer_norm_epsilon <= 0.0)
    throw Error(fmt::format("{}: \"layer_norm_epsilon\" must be positive, found {}", label, c.layer_norm_epsilon));
  return c;
}

}  // namespace finetrain
