#include "component_configs.hpp"

#include <finetrain/error.hpp>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

namespace toy_pixel {

const char* const kTransformerClass = "ToyPixelTransformer2DModel";
const char* const kTextEncoderClass = "ToyPixelTextEncoder";
const char* const kVaeClass = "ToyPixelIdentityVAE";

std::vector<std::string> preset_names() { return {"tiny", "small"}; }

PresetConfigs preset(const std::string& name) {
  PresetConfigs p;  // the defaults are "tiny"
  if (name == "tiny") return p;
  if (name == "small") {
    p.transformer.num_layers = 4;
    p.transformer.hidden_size = 256;
    p.transformer.ff_inner_dim = 1024;
    p.transformer.caption_channels = 128;
    p.transformer.timestep_channels = 256;
    p.transformer.position_frequencies = 8;
    p.text_encoder = {4096, 128, 77};
    return p;
  }
  throw finetrain::Error("toy-pixel: unknown preset '" + name + "' (known: tiny, small)");
}

namespace {

using Json = nlohmann::json;

// Reads the keys of one config object into typed fields, strictly.
class ConfigReader {
 public:
  ConfigReader(const std::string& text, const std::string& label) : label_(label) {
    try {
      json_ = Json::parse(text);
    } catch (const Json::parse_error& e) {
      throw finetrain::Error(label + ": not valid JSON: " + e.what());
    }
    if (!json_.is_object()) throw finetrain::Error(label + ": expected a JSON object");
  }

  void positive_int(const char* key, int64_t& field) {
    readers_[key] = [this, key, &field](const Json& v) {
      if (!v.is_number_integer() || v.get<int64_t>() <= 0) fail(key, "a positive integer", v);
      field = v.get<int64_t>();
    };
  }

  void float_list(const char* key, std::vector<double>& field) {
    readers_[key] = [this, key, &field](const Json& v) {
      if (!v.is_array()) fail(key, "an array of numbers", v);
      field.clear();
      for (const Json& x : v) {
        if (!x.is_number()) fail(key, "an array of numbers", v);
        field.push_back(x.get<double>());
      }
    };
  }

  // Applies the registered readers; a key nobody registered is an error.
  void read() {
    for (const auto& [key, value] : json_.items()) {
      if (!key.empty() && key[0] == '_') continue;
      auto it = readers_.find(key);
      if (it == readers_.end()) throw finetrain::Error(label_ + ": unknown key '" + key + "'");
      it->second(value);
    }
  }

  [[noreturn]] void fail(const std::string& key, const char* expected, const Json& found) const {
    throw finetrain::Error(label_ + ": key '" + key + "' must be " + expected + ", found " + found.dump());
  }

 private:
  std::string label_;
  Json json_;
  std::map<std::string, std::function<void(const Json&)>> readers_;
};

}  // namespace

TransformerConfig parse_transformer_config(const std::string& json_text, const std::string& label) {
  TransformerConfig c;
  ConfigReader r(json_text, label);
  r.positive_int("in_channels", c.in_channels);
  r.positive_int("out_channels", c.out_channels);
  r.positive_int("num_layers", c.num_layers);
  r.positive_int("hidden_size", c.hidden_size);
  r.positive_int("ff_inner_dim", c.ff_inner_dim);
  r.positive_int("caption_channels", c.caption_channels);
  r.positive_int("timestep_channels", c.timestep_channels);
  r.positive_int("position_frequencies", c.position_frequencies);
  r.read();
  if (c.timestep_channels % 2 != 0)
    throw finetrain::Error(label + ": key 'timestep_channels' must be even (sin and cos halves), found " +
                           std::to_string(c.timestep_channels));
  return c;
}

TextEncoderConfig parse_text_encoder_config(const std::string& json_text, const std::string& label) {
  TextEncoderConfig c;
  ConfigReader r(json_text, label);
  r.positive_int("vocab_size", c.vocab_size);
  r.positive_int("hidden_size", c.hidden_size);
  r.positive_int("max_length", c.max_length);
  r.read();
  if (c.vocab_size < 2)
    throw finetrain::Error(label + ": key 'vocab_size' must be at least 2 (id 0 is padding), found " +
                           std::to_string(c.vocab_size));
  return c;
}

VaeConfig parse_vae_config(const std::string& json_text, const std::string& label) {
  VaeConfig c;
  ConfigReader r(json_text, label);
  r.float_list("latents_mean", c.latents_mean);
  r.float_list("latents_std", c.latents_std);
  r.read();
  if (c.latents_mean.size() != c.latents_std.size())
    throw finetrain::Error(label + ": 'latents_mean' has " + std::to_string(c.latents_mean.size()) +
                           " channels but 'latents_std' has " + std::to_string(c.latents_std.size()));
  for (double s : c.latents_std)
    if (!(s > 0)) throw finetrain::Error(label + ": every 'latents_std' entry must be > 0, found " + std::to_string(s));
  return c;
}

}  // namespace toy_pixel
