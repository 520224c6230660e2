#include "vae/vae_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "config_json.hpp"
#include "finetrain/error.hpp"

namespace finetrain::ltx_video::vae {
namespace {

using nlohmann::json;

constexpr const char* kClassName = "AutoencoderKLLTXVideo";

std::string type_name(const json& value) { return value.is_null() ? "null" : value.type_name(); }

[[noreturn]] void fail(const std::string& label, const std::string& key, const std::string& expected,
                       const std::string& found) {
  throw Error(fmt::format("{}: {} config key '{}': expected {}, found {}", label, kClassName, key, expected, found));
}

int64_t read_int(const json& value, const std::string& label, const std::string& key) {
  if (!value.is_number_integer()) fail(label, key, "an integer", fmt::format("{} {}", type_name(value), value.dump()));
  return value.get<int64_t>();
}

double read_number(const json& value, const std::string& label, const std::string& key) {
  if (!value.is_number()) fail(label, key, "a number", fmt::format("{} {}", type_name(value), value.dump()));
  return value.get<double>();
}

bool read_bool(const json& value, const std::string& label, const std::string& key) {
  if (!value.is_boolean()) fail(label, key, "true or false", fmt::format("{} {}", type_name(value), value.dump()));
  return value.get<bool>();
}

std::string read_string(const json& value, const std::string& label, const std::string& key) {
  if (!value.is_string()) fail(label, key, "a string", fmt::format("{} {}", type_name(value), value.dump()));
  return value.get<std::string>();
}

template <class T, class Read>
std::vector<T> read_list(const json& value, const std::string& label, const std::string& key, Read read) {
  if (!value.is_array()) fail(label, key, "a list", fmt::format("{} {}", type_name(value), value.dump()));
  std::vector<T> out;
  for (size_t i = 0; i < value.size(); ++i) out.push_back(read(value[i], label, fmt::format("{}[{}]", key, i)));
  return out;
}

std::optional<int64_t> read_optional_int(const json& value, const std::string& label, const std::string& key) {
  if (value.is_null()) return std::nullopt;
  return read_int(value, label, key);
}

using KeyReader = std::function<void(LtxVaeConfig&, const json&, const std::string&)>;

// One reader per __init__ argument of AutoencoderKLLTXVideo.
const std::map<std::string, KeyReader>& key_readers() {
  static const std::map<std::string, KeyReader> readers = [] {
    std::map<std::string, KeyReader> r;
    auto int_key = [&r](const char* key, int64_t LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) { c.*field = read_int(v, l, key); };
    };
    auto bool_key = [&r](const char* key, bool LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) { c.*field = read_bool(v, l, key); };
    };
    auto number_key = [&r](const char* key, double LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) {
        c.*field = read_number(v, l, key);
      };
    };
    auto ints_key = [&r](const char* key, std::vector<int64_t> LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) {
        c.*field = read_list<int64_t>(v, l, key, read_int);
      };
    };
    auto bools_key = [&r](const char* key, std::vector<bool> LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) {
        c.*field = read_list<bool>(v, l, key, read_bool);
      };
    };
    auto strings_key = [&r](const char* key, std::vector<std::string> LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) {
        c.*field = read_list<std::string>(v, l, key, read_string);
      };
    };
    auto optional_int_key = [&r](const char* key, std::optional<int64_t> LtxVaeConfig::*field) {
      r[key] = [key, field](LtxVaeConfig& c, const json& v, const std::string& l) {
        c.*field = read_optional_int(v, l, key);
      };
    };
    int_key("in_channels", &LtxVaeConfig::in_channels);
    int_key("out_channels", &LtxVaeConfig::out_channels);
    int_key("latent_channels", &LtxVaeConfig::latent_channels);
    ints_key("block_out_channels", &LtxVaeConfig::block_out_channels);
    strings_key("down_block_types", &LtxVaeConfig::down_block_types);
    ints_key("decoder_block_out_channels", &LtxVaeConfig::decoder_block_out_channels);
    ints_key("layers_per_block", &LtxVaeConfig::layers_per_block);
    ints_key("decoder_layers_per_block", &LtxVaeConfig::decoder_layers_per_block);
    bools_key("spatio_temporal_scaling", &LtxVaeConfig::spatio_temporal_scaling);
    bools_key("decoder_spatio_temporal_scaling", &LtxVaeConfig::decoder_spatio_temporal_scaling);
    bools_key("decoder_inject_noise", &LtxVaeConfig::decoder_inject_noise);
    strings_key("downsample_type", &LtxVaeConfig::downsample_type);
    bools_key("upsample_residual", &LtxVaeConfig::upsample_residual);
    ints_key("upsample_factor", &LtxVaeConfig::upsample_factor);
    bool_key("timestep_conditioning", &LtxVaeConfig::timestep_conditioning);
    int_key("patch_size", &LtxVaeConfig::patch_size);
    int_key("patch_size_t", &LtxVaeConfig::patch_size_t);
    number_key("resnet_norm_eps", &LtxVaeConfig::resnet_norm_eps);
    number_key("scaling_factor", &LtxVaeConfig::scaling_factor);
    bool_key("encoder_causal", &LtxVaeConfig::encoder_causal);
    bool_key("decoder_causal", &LtxVaeConfig::decoder_causal);
    optional_int_key("spatial_compression_ratio", &LtxVaeConfig::spatial_compression_ratio);
    optional_int_key("temporal_compression_ratio", &LtxVaeConfig::temporal_compression_ratio);
    return r;
  }();
  return readers;
}

int64_t count_true(const std::vector<bool>& flags) { return std::count(flags.begin(), flags.end(), true); }

void expect_length(size_t found, size_t expected, const std::string& label, const std::string& key,
                   const std::string& why) {
  if (found != expected) fail(label, key, fmt::format("{} entries ({})", expected, why), std::to_string(found));
}

void expect_positive(const std::vector<int64_t>& values, const std::string& label, const std::string& key) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] <= 0) fail(label, fmt::format("{}[{}]", key, i), "a positive integer", std::to_string(values[i]));
}

void expect_positive(int64_t value, const std::string& label, const std::string& key) {
  if (value <= 0) fail(label, key, "a positive integer", std::to_string(value));
}

}  // namespace

bool LtxVaeConfig::encoder_is_095() const {
  return !down_block_types.empty() && down_block_types.back() == kDownBlock095;
}

int64_t LtxVaeConfig::num_down_blocks() const {
  return static_cast<int64_t>(block_out_channels.size()) - (encoder_is_095() ? 1 : 0);
}

int64_t LtxVaeConfig::spatial_compression() const {
  return spatial_compression_ratio ? *spatial_compression_ratio
                                   : patch_size * (int64_t{1} << count_true(spatio_temporal_scaling));
}

int64_t LtxVaeConfig::temporal_compression() const {
  return temporal_compression_ratio ? *temporal_compression_ratio
                                    : patch_size_t * (int64_t{1} << count_true(spatio_temporal_scaling));
}

void LtxVaeConfig::validate(const std::string& label) const {
  expect_positive(in_channels, label, "in_channels");
  expect_positive(out_channels, label, "out_channels");
  expect_positive(latent_channels, label, "latent_channels");
  expect_positive(patch_size, label, "patch_size");
  // diffusers sizes conv_in / conv_out for in_channels * patch_size^2, so a temporal patch cannot work there.
  if (patch_size_t != 1)
    fail(label, "patch_size_t", "1 (the only value AutoencoderKLLTXVideo supports)", std::to_string(patch_size_t));
  expect_positive(block_out_channels, label, "block_out_channels");
  expect_positive(decoder_block_out_channels, label, "decoder_block_out_channels");
  expect_positive(layers_per_block, label, "layers_per_block");
  expect_positive(decoder_layers_per_block, label, "decoder_layers_per_block");
  expect_positive(upsample_factor, label, "upsample_factor");
  if (!(resnet_norm_eps > 0)) fail(label, "resnet_norm_eps", "a positive number", std::to_string(resnet_norm_eps));
  if (scaling_factor == 0) fail(label, "scaling_factor", "a non-zero number", "0");
  if (spatial_compression_ratio) expect_positive(*spatial_compression_ratio, label, "spatial_compression_ratio");
  if (temporal_compression_ratio) expect_positive(*temporal_compression_ratio, label, "temporal_compression_ratio");

  // ---- encoder ----
  if (block_out_channels.size() < (encoder_is_095() ? 2u : 1u))
    fail(label, "block_out_channels", encoder_is_095() ? "at least 2 entries" : "at least 1 entry",
         std::to_string(block_out_channels.size()));
  const size_t down = static_cast<size_t>(num_down_blocks());
  const std::string down_why = encoder_is_095() ? "one per down block: len(block_out_channels) - 1"
                                                : "one per down block: len(block_out_channels)";
  expect_length(down_block_types.size(), down, label, "down_block_types", down_why);
  expect_length(spatio_temporal_scaling.size(), down, label, "spatio_temporal_scaling", down_why);
  expect_length(layers_per_block.size(), down + 1, label, "layers_per_block", "one per down block + the mid block");
  for (size_t i = 0; i < down; ++i) {
    const std::string& type = down_block_types[i];
    if (type != kDownBlock090 && type != kDownBlock095)
      fail(label, fmt::format("down_block_types[{}]", i), fmt::format("{} or {}", kDownBlock090, kDownBlock095),
           "'" + type + "'");
  }
  // Only LTXVideo095DownBlock3D reads downsample_type; LTXVideoDownBlock3D always uses a strided conv.
  const bool any_095 = std::count(down_block_types.begin(), down_block_types.end(), kDownBlock095) > 0;
  if (any_095) {
    expect_length(downsample_type.size(), down, label, "downsample_type", down_why);
    for (size_t i = 0; i < down; ++i) {
      const std::string& type = downsample_type[i];
      if (down_block_types[i] != kDownBlock095) continue;
      if (type != "conv" && type != "spatial" && type != "temporal" && type != "spatiotemporal")
        fail(label, fmt::format("downsample_type[{}]", i), "one of conv, spatial, temporal, spatiotemporal",
             "'" + type + "'");
    }
  }

  // ---- decoder ----
  const size_t up = decoder_block_out_channels.size();
  if (up == 0) fail(label, "decoder_block_out_channels", "at least 1 entry", "0");
  expect_length(decoder_spatio_temporal_scaling.size(), up, label, "decoder_spatio_temporal_scaling",
                "one per up block: len(decoder_block_out_channels)");
  expect_length(decoder_layers_per_block.size(), up + 1, label, "decoder_layers_per_block",
                "one per up block + the mid block");
  expect_length(decoder_inject_noise.size(), up + 1, label, "decoder_inject_noise", "one per up block + the mid block");
  expect_length(upsample_residual.size(), up, label, "upsample_residual", "one per up block");
  expect_length(upsample_factor.size(), up, label, "upsample_factor", "one per up block");
  for (size_t i = 0; i < up; ++i) {
    if (decoder_block_out_channels[i] % upsample_factor[i] != 0)
      fail(label, fmt::format("decoder_block_out_channels[{}]", i),
           fmt::format("a multiple of upsample_factor[{}] = {}", i, upsample_factor[i]),
           std::to_string(decoder_block_out_channels[i]));
  }
  // The decoder runs the lists reversed. Block k (from the latent side) is sized for width / factor input
  // channels, where width is what the previous block outputs; its conv_in resnet (when it widens) or its
  // upsampler (factor * out channels) or its resnets must accept that width. diffusers builds without checking
  // and fails at run time with a conv shape error.
  int64_t width = decoder_block_out_channels.back();
  for (size_t k = 0; k < up; ++k) {
    const size_t i = up - 1 - k;
    const int64_t factor = upsample_factor[i];
    const int64_t in = width / factor;
    const int64_t out = decoder_block_out_channels[i] / factor;
    const int64_t accepted = in != out ? in : out * (decoder_spatio_temporal_scaling[i] ? factor : 1);
    if (width != accepted)
      fail(label, "decoder_block_out_channels",
           fmt::format("widths that chain with upsample_factor and decoder_spatio_temporal_scaling (entry {} would "
                       "receive {} channels but is built for {})",
                       i, width, accepted),
           fmt::format("[{}] with upsample_factor [{}]", fmt::join(decoder_block_out_channels, ", "),
                       fmt::join(upsample_factor, ", ")));
    width = out;
  }
}

LtxVaeConfig parse_ltx_vae_config(const std::string& json_text, const std::string& label) {
  const json root = parse_config_object(json_text, label);
  if (root.contains("_class_name") && root["_class_name"] != kClassName)
    throw Error(fmt::format("{}: _class_name is {}, expected \"{}\"", label, root["_class_name"].dump(), kClassName));

  LtxVaeConfig config;
  std::vector<std::string> unknown;
  for (const auto& [key, value] : root.items()) {
    if (!key.empty() && key[0] == '_') continue;
    auto reader = key_readers().find(key);
    if (reader == key_readers().end()) {
      unknown.push_back(key);
      continue;
    }
    reader->second(config, value, label);
  }
  if (!unknown.empty())
    throw Error(fmt::format("{}: keys not taken by {}: {}", label, kClassName, fmt::join(unknown, ", ")));
  config.validate(label);
  return config;
}

}  // namespace finetrain::ltx_video::vae
