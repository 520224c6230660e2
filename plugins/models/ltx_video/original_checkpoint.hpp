// Lightricks' original single-file LTX-Video checkpoints (ltx-video-2b-v0.9.5.safetensors, ltxv-13b-0.9.8-dev...):
// the transformer under "model.diffusion_model.", the VAE under "vae.", original key names. What a file holds is
// read from its header (names and shapes, no tensor data) and checked against model.preset; each component loads
// tensor by tensor from the memory-mapped file through the original -> diffusers key conversion that diffusers'
// single-file loader applies (state_dict_adapter.hpp for the transformer, vae/original_key_names.hpp for the VAE).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "transformer/config.hpp"
#include "transformer/transformer.hpp"
#include "vae/autoencoder.hpp"
#include "vae/original_key_names.hpp"

namespace finetrain::ltx_video {

inline constexpr const char* kOriginalTransformerPrefix = "model.diffusion_model.";
inline constexpr const char* kOriginalVaePrefix = "vae.";

// The transformer sizes a checkpoint fixes; they tell the 2B and 13B releases (and tiny) apart.
struct TransformerShape {
  int64_t num_layers = 0;
  int64_t inner_dim = 0;
  int64_t in_channels = 0;
  int64_t caption_channels = 0;

  static TransformerShape of(const LtxTransformerConfig& config);
  bool operator==(const TransformerShape& other) const;
  bool operator!=(const TransformerShape& other) const { return !(*this == other); }
  // "28 blocks, width 2048, 128 latent channels, 4096 caption channels"
  std::string describe() const;
};

struct OriginalCheckpointContents {
  std::optional<TransformerShape> transformer;  // absent: no key outside "vae."
  std::optional<vae::OriginalVaeLayout> vae;    // absent: no "vae." key
};

// Every tensor's name and shape, from the safetensors header only.
using KeyShapes = std::map<std::string, std::vector<int64_t>>;
KeyShapes read_key_shapes(const std::string& path);

// Classifies the keys as diffusers' single-file loader does: "vae.*" is the VAE, everything else the transformer
// (with "model.diffusion_model." removed where present). Throws finetrain::Error naming `label` when the
// transformer lacks the tensors its sizes are read from, or the VAE fits no released layout.
OriginalCheckpointContents inspect_original_checkpoint(const KeyShapes& keys, const std::string& label);

// Throws finetrain::Error("model.path <label> holds an LTX-Video 0.9.1 VAE but model.preset is ltxv-2b-0.9.5 ...")
// when the file's transformer or VAE is not the preset's, naming the presets that fit the file.
void check_original_checkpoint(const OriginalCheckpointContents& contents, const std::string& preset,
                               const std::string& label);

// Strict loads: every module tensor must come from the file and every converted file key must be used; the error
// lists missing and unexpected keys under their original and diffusers names. The VAE's layout is detected from
// the file and must be the one `model`'s configuration has.
void load_original_transformer(LtxVideoTransformer3DModelImpl& model, const std::string& path);
void load_original_vae(vae::AutoencoderKLLTXVideo& model, const std::string& path);

}  // namespace finetrain::ltx_video
