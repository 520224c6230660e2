// Configuration of the ltx-video model plugin (the `model.` section of a run file).
#pragma once

#include <string>

#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"

namespace finetrain::ltx_video {

struct LtxVideoOptions {
  std::string preset = "tiny";          // model.preset: architecture when no config is read from model.path
  std::string path;                     // model.path: diffusers directory or original single-file checkpoint
  std::string tokenizer;                // model.tokenizer: SentencePiece model; default <path>/tokenizer/spiece.model
  std::string text_encoder;             // model.text_encoder: T5 directory; default <path>/text_encoder
  int64_t max_sequence_length = 128;    // model.max_sequence_length
  double frame_rate = 25.0;             // model.frame_rate: the rope time scale and validation video rate
  double decode_timestep = 0.05;        // model.decode_timestep (timestep-conditioned VAEs, 0.9.1+)
  double decode_noise_scale = 0.025;    // model.decode_noise_scale
  std::string text_encoder_dtype = "same";  // model.text_encoder_dtype: fp32 | bf16 | same (= training.dtype)
  std::string vae_dtype = "same";           // model.vae_dtype
  bool vae_tiling = false;              // model.vae_tiling: tile large frames and long clips in the VAE
};

ConfigSchema ltx_video_options_schema();
// `model` is the model section with the prefix removed (ModelContext::options).
LtxVideoOptions ltx_video_options_from(const Options& model);

}  // namespace finetrain::ltx_video
