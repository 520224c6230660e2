#include "vae/original_key_names.hpp"

#include <fmt/format.h>

#include <set>

#include "finetrain/error.hpp"
#include "key_segments.hpp"

namespace finetrain::ltx_video::vae {
namespace {

using Segments = KeySegments;

struct Rename {
  const char* original;
  const char* diffusers;
};

// diffusers' rename dicts, scoped to the side they act on. diffusers replaces substrings anywhere; up_blocks
// only occur in the decoder and down_blocks only in the encoder, so anchoring them at "decoder." / "encoder." is
// the same mapping on real keys, and it makes "mid_block" invertible.
constexpr Rename kStatistics[] = {
    {"per_channel_statistics.mean-of-means", "latents_mean"},
    {"per_channel_statistics.std-of-means", "latents_std"},
};
// VAE_KEYS_RENAME_DICT (0.9.0 and 0.9.1): resnets, downsampler, channel-changing resnet per block.
constexpr Rename kEncoder090[] = {
    {"encoder.down_blocks.0", "encoder.down_blocks.0"},
    {"encoder.down_blocks.1", "encoder.down_blocks.0.downsamplers.0"},
    {"encoder.down_blocks.2", "encoder.down_blocks.0.conv_out"},
    {"encoder.down_blocks.3", "encoder.down_blocks.1"},
    {"encoder.down_blocks.4", "encoder.down_blocks.1.downsamplers.0"},
    {"encoder.down_blocks.5", "encoder.down_blocks.1.conv_out"},
    {"encoder.down_blocks.6", "encoder.down_blocks.2"},
    {"encoder.down_blocks.7", "encoder.down_blocks.2.downsamplers.0"},
    {"encoder.down_blocks.8", "encoder.down_blocks.3"},
    {"encoder.down_blocks.9", "encoder.mid_block"},
};
// VAE_095_RENAME_DICT: resnets then a space-to-depth downsampler per block.
constexpr Rename kEncoder095[] = {
    {"encoder.down_blocks.0", "encoder.down_blocks.0"},
    {"encoder.down_blocks.1", "encoder.down_blocks.0.downsamplers.0"},
    {"encoder.down_blocks.2", "encoder.down_blocks.1"},
    {"encoder.down_blocks.3", "encoder.down_blocks.1.downsamplers.0"},
    {"encoder.down_blocks.4", "encoder.down_blocks.2"},
    {"encoder.down_blocks.5", "encoder.down_blocks.2.downsamplers.0"},
    {"encoder.down_blocks.6", "encoder.down_blocks.3"},
    {"encoder.down_blocks.7", "encoder.down_blocks.3.downsamplers.0"},
    {"encoder.down_blocks.8", "encoder.mid_block"},
};
// VAE_KEYS_RENAME_DICT (0.9.0): channel-changing resnet, upsampler, resnets per block.
constexpr Rename kDecoder090[] = {
    {"decoder.up_blocks.0", "decoder.mid_block"},
    {"decoder.up_blocks.1", "decoder.up_blocks.0"},
    {"decoder.up_blocks.2", "decoder.up_blocks.1.upsamplers.0"},
    {"decoder.up_blocks.3", "decoder.up_blocks.1"},
    {"decoder.up_blocks.4", "decoder.up_blocks.2.conv_in"},
    {"decoder.up_blocks.5", "decoder.up_blocks.2.upsamplers.0"},
    {"decoder.up_blocks.6", "decoder.up_blocks.2"},
    {"decoder.up_blocks.7", "decoder.up_blocks.3.conv_in"},
    {"decoder.up_blocks.8", "decoder.up_blocks.3.upsamplers.0"},
    {"decoder.up_blocks.9", "decoder.up_blocks.3"},
};
// VAE_091_RENAME_DICT = VAE_095_RENAME_DICT's decoder part: upsampler then resnets per block, and the decoder's
// own timestep embedding. (Entries 7 and 8 are in diffusers' table; the released decoders stop at 6.)
constexpr Rename kDecoder091[] = {
    {"decoder.up_blocks.0", "decoder.mid_block"},
    {"decoder.up_blocks.1", "decoder.up_blocks.0.upsamplers.0"},
    {"decoder.up_blocks.2", "decoder.up_blocks.0"},
    {"decoder.up_blocks.3", "decoder.up_blocks.1.upsamplers.0"},
    {"decoder.up_blocks.4", "decoder.up_blocks.1"},
    {"decoder.up_blocks.5", "decoder.up_blocks.2.upsamplers.0"},
    {"decoder.up_blocks.6", "decoder.up_blocks.2"},
    {"decoder.up_blocks.7", "decoder.up_blocks.3.upsamplers.0"},
    {"decoder.up_blocks.8", "decoder.up_blocks.3"},
    {"decoder.last_time_embedder", "decoder.time_embedder"},
    {"decoder.last_scale_shift_table", "decoder.scale_shift_table"},
};
// Inside every resnet: the original conv_shortcut is a bare Conv3d and norm3 wraps nn.LayerNorm as `.norm`;
// diffusers' are an LTXVideoCausalConv3d (`.conv`) and a bare nn.LayerNorm.
constexpr Rename kResnetParts[] = {
    {"res_blocks", "resnets"},
    {"conv_shortcut", "conv_shortcut.conv"},
    {"norm3.norm", "norm3"},
};
// VAE_SPECIAL_KEYS_REMAP drops keys containing these (its mean-of-means entry never fires: that key is renamed
// to latents_mean first). The second one also covers per_channel_statistics.mean-of-stds_over_std-of-means.
constexpr const char* kDroppedSubstrings[] = {"per_channel_statistics.channel", "per_channel_statistics.mean-of-stds"};

struct SplitRename {
  Segments original;
  Segments diffusers;
  const Segments& from(bool to_diffusers) const { return to_diffusers ? original : diffusers; }
  const Segments& to(bool to_diffusers) const { return to_diffusers ? diffusers : original; }
};

template <size_t... N>
std::vector<SplitRename> concat(const Rename (&... tables)[N]) {
  std::vector<SplitRename> out;
  auto add = [&out](const Rename* table, size_t n) {
    for (size_t i = 0; i < n; ++i) out.push_back({split_key(table[i].original), split_key(table[i].diffusers)});
  };
  (add(tables, N), ...);
  return out;
}

// What tells the layouts apart in a file, and the renames anchored at the start of its keys.
struct LayoutSpec {
  OriginalVaeLayout layout;
  size_t encoder_blocks;
  size_t decoder_blocks;
  bool decoder_timestep;  // decoder.last_time_embedder.*
  std::vector<SplitRename> anchored;
};

const std::vector<LayoutSpec>& layout_specs() {
  static const std::vector<LayoutSpec> specs = {
      {OriginalVaeLayout::V0_9_0, 10, 10, false, concat(kStatistics, kEncoder090, kDecoder090)},
      {OriginalVaeLayout::V0_9_1, 10, 7, true, concat(kStatistics, kEncoder090, kDecoder091)},
      {OriginalVaeLayout::V0_9_5, 9, 7, true, concat(kStatistics, kEncoder095, kDecoder091)},
  };
  return specs;
}

const LayoutSpec& spec_of(OriginalVaeLayout layout) {
  for (const LayoutSpec& s : layout_specs())
    if (s.layout == layout) return s;
  throw Error("unknown OriginalVaeLayout");
}

const std::vector<SplitRename>& resnet_parts() {
  static const std::vector<SplitRename> parts = concat(kResnetParts);
  return parts;
}

bool matches_at(const Segments& key, size_t pos, const Segments& pattern) {
  if (pos + pattern.size() > key.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i)
    if (key[pos + i] != pattern[i]) return false;
  return true;
}

// The longest anchored rename whose source side starts the key, then the resnet parts wherever they occur.
std::string convert(const std::string& key, OriginalVaeLayout layout, bool to_diffusers) {
  const Segments in = split_key(key);
  const SplitRename* anchored = nullptr;
  for (const SplitRename& r : spec_of(layout).anchored)
    if (matches_at(in, 0, r.from(to_diffusers)) &&
        (!anchored || r.from(to_diffusers).size() > anchored->from(to_diffusers).size()))
      anchored = &r;
  Segments out;
  size_t pos = 0;
  if (anchored) {
    out = anchored->to(to_diffusers);
    pos = anchored->from(to_diffusers).size();
  }
  while (pos < in.size()) {
    const SplitRename* part = nullptr;
    for (const SplitRename& r : resnet_parts())
      if (matches_at(in, pos, r.from(to_diffusers))) part = &r;
    if (part) {
      out.insert(out.end(), part->to(to_diffusers).begin(), part->to(to_diffusers).end());
      pos += part->from(to_diffusers).size();
    } else {
      out.push_back(in[pos++]);
    }
  }
  std::string joined = out.front();
  for (size_t i = 1; i < out.size(); ++i) joined += "." + out[i];
  return joined;
}

}  // namespace

const char* to_string(OriginalVaeLayout layout) {
  switch (layout) {
    case OriginalVaeLayout::V0_9_0:
      return "0.9.0";
    case OriginalVaeLayout::V0_9_1:
      return "0.9.1";
    case OriginalVaeLayout::V0_9_5:
      return "0.9.5";
  }
  return "?";
}

OriginalVaeLayout original_vae_layout(const LtxVaeConfig& config) {
  if (config.encoder_is_095()) return OriginalVaeLayout::V0_9_5;
  return config.timestep_conditioning ? OriginalVaeLayout::V0_9_1 : OriginalVaeLayout::V0_9_0;
}

OriginalVaeLayout detect_original_vae_layout(const std::vector<std::string>& keys, const std::string& label) {
  std::set<std::string> encoder_blocks, decoder_blocks;
  bool decoder_timestep = false;
  for (const std::string& key : keys) {
    const Segments s = split_key(key);
    if (s.size() > 2 && s[0] == "encoder" && s[1] == "down_blocks") encoder_blocks.insert(s[2]);
    if (s.size() > 2 && s[0] == "decoder" && s[1] == "up_blocks") decoder_blocks.insert(s[2]);
    if (s.size() > 1 && s[0] == "decoder" && s[1] == "last_time_embedder") decoder_timestep = true;
  }
  for (const LayoutSpec& spec : layout_specs())
    if (spec.encoder_blocks == encoder_blocks.size() && spec.decoder_blocks == decoder_blocks.size() &&
        spec.decoder_timestep == decoder_timestep)
      return spec.layout;
  std::string known;
  for (const LayoutSpec& spec : layout_specs())
    known += fmt::format("{}{}: {} / {} / {}", known.empty() ? "" : "; ", to_string(spec.layout), spec.encoder_blocks,
                         spec.decoder_blocks, spec.decoder_timestep ? "yes" : "no");
  throw Error(fmt::format(
      "{}: not the VAE of a released LTX-Video: {} encoder blocks (encoder.down_blocks.N), {} decoder blocks "
      "(decoder.up_blocks.N), decoder timestep embedder (decoder.last_time_embedder) {}; the releases have ({})",
      label, encoder_blocks.size(), decoder_blocks.size(), decoder_timestep ? "yes" : "no", known));
}

std::string vae_key_from_original(const std::string& key, OriginalVaeLayout layout) {
  if (key.empty()) throw Error("empty VAE state-dict key");
  for (const char* dropped : kDroppedSubstrings)
    if (key.find(dropped) != std::string::npos) return {};
  return convert(key, layout, /*to_diffusers=*/true);
}

std::string vae_key_to_original(const std::string& key, OriginalVaeLayout layout) {
  if (key.empty()) throw Error("empty VAE state-dict key");
  return convert(key, layout, /*to_diffusers=*/false);
}

}  // namespace finetrain::ltx_video::vae
