#include "original_checkpoint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <set>

#include "family_presets.hpp"
#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "state_dict_adapter.hpp"

namespace finetrain::ltx_video {
namespace {

using KeyMap = std::function<std::string(const std::string&)>;

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// diffusers' convert_ltx_transformer_checkpoint_to_diffusers: every key outside the VAE, the prefix removed.
std::optional<std::string> transformer_key(const std::string& file_key) {
  if (starts_with(file_key, kOriginalVaePrefix)) return std::nullopt;
  return starts_with(file_key, kOriginalTransformerPrefix)
             ? file_key.substr(std::string(kOriginalTransformerPrefix).size())
             : file_key;
}

std::optional<std::string> vae_key(const std::string& file_key) {
  if (!starts_with(file_key, kOriginalVaePrefix)) return std::nullopt;
  return file_key.substr(std::string(kOriginalVaePrefix).size());
}

const std::vector<int64_t>& matrix_shape(const KeyShapes& keys, const std::string& name, const std::string& label) {
  auto it = keys.find(kOriginalTransformerPrefix + name);
  if (it == keys.end()) it = keys.find(name);
  if (it == keys.end() || it->second.size() != 2)
    throw Error(
        fmt::format("{}: no 2-D tensor {}{}: not an LTX-Video transformer", label, kOriginalTransformerPrefix, name));
  return it->second;
}

TransformerShape transformer_shape(const KeyShapes& keys, const std::vector<std::string>& transformer_keys,
                                   const std::string& label) {
  std::set<std::string> blocks;
  for (const std::string& key : transformer_keys) {
    const std::string prefix = "transformer_blocks.";
    if (!starts_with(key, prefix)) continue;
    blocks.insert(key.substr(prefix.size(), key.find('.', prefix.size()) - prefix.size()));
  }
  const auto& proj_in = matrix_shape(keys, "patchify_proj.weight", label);
  const auto& caption = matrix_shape(keys, "caption_projection.linear_1.weight", label);
  return {static_cast<int64_t>(blocks.size()), proj_in[0], proj_in[1], caption[1]};
}

// Loads `module` strictly from the file keys `to_module` maps ("" = another component's key). Key differences
// are reported before any tensor is read, under the file's name and the module's.
void load_converted(torch::nn::Module& module, const std::string& path, const KeyMap& to_module, const KeyMap& to_file,
                    const std::string& label) {
  std::map<std::string, std::string> file_key_of;
  const TensorSource source = TensorSource::from_checkpoint(path).renamed([&](const std::string& key) {
    std::string name = to_module(key);
    if (!name.empty()) file_key_of.emplace(name, key);
    return name;
  });
  const TensorMap state = module_state(module);
  LoadReport keys;
  for (const auto& [name, tensor] : state)
    if (!file_key_of.count(name)) keys.missing.push_back(fmt::format("{} (diffusers: {})", to_file(name), name));
  for (const auto& [name, file_key] : file_key_of)
    if (!state.count(name)) keys.unexpected.push_back(fmt::format("{} (diffusers: {})", file_key, name));
  if (!keys.ok()) throw Error(fmt::format("{}: state dict does not match: {}", label, keys.describe()));
  load_state(module, source, /*strict=*/true, label);  // shapes
}

bool fits(const FamilyPreset& preset, const OriginalCheckpointContents& contents) {
  return (!contents.transformer || *contents.transformer == TransformerShape::of(preset.transformer)) &&
         (!contents.vae || *contents.vae == vae::original_vae_layout(preset.vae));
}

}  // namespace

TransformerShape TransformerShape::of(const LtxTransformerConfig& c) {
  return {c.num_layers, c.inner_dim(), c.in_channels, c.caption_channels};
}

bool TransformerShape::operator==(const TransformerShape& o) const {
  return num_layers == o.num_layers && inner_dim == o.inner_dim && in_channels == o.in_channels &&
         caption_channels == o.caption_channels;
}

std::string TransformerShape::describe() const {
  return fmt::format("{} blocks, width {}, {} latent channels, {} caption channels", num_layers, inner_dim, in_channels,
                     caption_channels);
}

KeyShapes read_key_shapes(const std::string& path) {
  auto checkpoint = safetensors::Checkpoint::open(path);
  KeyShapes keys;
  for (const std::string& name : checkpoint->names()) keys.emplace(name, checkpoint->info(name).shape);
  return keys;
}

OriginalCheckpointContents inspect_original_checkpoint(const KeyShapes& keys, const std::string& label) {
  std::vector<std::string> transformer_keys, vae_keys;
  for (const auto& [file_key, shape] : keys) {
    if (auto key = transformer_key(file_key)) transformer_keys.push_back(*key);
    if (auto key = vae_key(file_key)) vae_keys.push_back(*key);
  }
  OriginalCheckpointContents contents;
  if (!transformer_keys.empty()) contents.transformer = transformer_shape(keys, transformer_keys, label);
  if (!vae_keys.empty()) contents.vae = vae::detect_original_vae_layout(vae_keys, label + " (vae.*)");
  return contents;
}

void check_original_checkpoint(const OriginalCheckpointContents& contents, const std::string& preset_name,
                               const std::string& label) {
  if (!contents.transformer)
    throw Error(
        fmt::format("model.path {} holds no transformer (only vae.* keys); an original LTX-Video checkpoint "
                    "keeps it under {}",
                    label, kOriginalTransformerPrefix));
  const FamilyPreset preset = family_preset(preset_name);
  std::vector<std::string> problems;
  const TransformerShape expected = TransformerShape::of(preset.transformer);
  if (*contents.transformer != expected)
    problems.push_back(fmt::format("an LTX-Video transformer of {} but model.preset {} has {}",
                                   contents.transformer->describe(), preset_name, expected.describe()));
  const vae::OriginalVaeLayout preset_vae = vae::original_vae_layout(preset.vae);
  if (contents.vae && *contents.vae != preset_vae)
    problems.push_back(fmt::format("an LTX-Video {} VAE but model.preset is {} (its VAE is {})",
                                   vae::to_string(*contents.vae), preset_name, vae::to_string(preset_vae)));
  if (problems.empty()) return;
  std::vector<std::string> fitting;
  for (const std::string& name : family_preset_names())
    if (fits(family_preset(name), contents)) fitting.push_back(name);
  throw Error(fmt::format("model.path {} holds {}; presets that fit the file: {}", label, fmt::join(problems, ", and "),
                          fitting.empty() ? std::string("none") : fmt::format("{}", fmt::join(fitting, ", "))));
}

void load_original_transformer(LtxVideoTransformer3DModelImpl& model, const std::string& path) {
  const LtxStateDictAdapter adapter;
  load_converted(
      model, path,
      [&](const std::string& file_key) {
        auto key = transformer_key(file_key);
        return key ? adapter.to_diffusers(*key, KeyFormat::Original) : std::string();
      },
      [&](const std::string& name) {
        return kOriginalTransformerPrefix + adapter.from_diffusers(name, KeyFormat::Original);
      },
      path + " (transformer, original key names)");
}

void load_original_vae(vae::AutoencoderKLLTXVideo& model, const std::string& path) {
  std::vector<std::string> vae_keys;
  for (const auto& [file_key, shape] : read_key_shapes(path))
    if (auto key = vae_key(file_key)) vae_keys.push_back(*key);
  if (vae_keys.empty())
    throw Error(fmt::format("{}: holds no VAE (no {}* keys); an original LTX-Video checkpoint carries one", path,
                            kOriginalVaePrefix));
  const vae::OriginalVaeLayout layout = vae::detect_original_vae_layout(vae_keys, path + " (vae.*)");
  const vae::OriginalVaeLayout expected = vae::original_vae_layout(model.config());
  if (layout != expected)
    throw Error(fmt::format("{} holds an LTX-Video {} VAE, but the VAE being built is a {} one", path,
                            vae::to_string(layout), vae::to_string(expected)));
  load_converted(
      model, path,
      [&](const std::string& file_key) {
        auto key = vae_key(file_key);
        return key ? vae::vae_key_from_original(*key, layout) : std::string();
      },
      [&](const std::string& name) { return kOriginalVaePrefix + vae::vae_key_to_original(name, layout); },
      path + " (VAE, original key names)");
}

}  // namespace finetrain::ltx_video
