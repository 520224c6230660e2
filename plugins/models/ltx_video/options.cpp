#include "options.hpp"

#include "family_presets.hpp"

namespace finetrain::ltx_video {

ConfigSchema ltx_video_options_schema() {
  ConfigSchema s;
  s.add_string("model.preset", "tiny", "Architecture preset; with model.path it must match the checkpoint")
      .one_of(family_preset_names());
  s.add_string("model.path", "",
               "Weights: a diffusers directory (model_index.json, transformer/, vae/, text_encoder/, tokenizer/) or "
               "an original single-file .safetensors; empty = random initialisation (tiny)");
  s.add_string("model.tokenizer", "",
               "SentencePiece model (spiece.model); default <model.path>/tokenizer/spiece.model, or ByT5-style bytes "
               "for random weights");
  s.add_string("model.text_encoder", "", "T5 encoder directory; default <model.path>/text_encoder");
  s.add_int("model.max_sequence_length", 128, "Caption tokens (the LTX pipelines use 128)").range(1, 1024);
  s.add_float("model.frame_rate", 25.0, "Frame rate of the training videos (time scale of RoPE) and of samples")
      .range(1, 240);
  s.add_float("model.decode_timestep", 0.05, "Decoder timestep of timestep-conditioned VAEs (0.9.1+)").range(0, 1);
  s.add_float("model.decode_noise_scale", 0.025, "Noise mixed into latents before decoding (0.9.1+)").range(0, 1);
  s.add_string("model.text_encoder_dtype", "same", "Text encoder dtype; same = training.dtype")
      .one_of({"same", "fp32", "bf16"});
  s.add_string("model.vae_dtype", "same", "VAE dtype; same = training.dtype").one_of({"same", "fp32", "bf16"});
  s.add_bool("model.vae_tiling", false, "Tile large frames and long clips in the VAE (less memory)");
  return s;
}

LtxVideoOptions ltx_video_options_from(const Options& m) {
  LtxVideoOptions o;
  o.preset = m.get_string("preset");
  o.path = m.get_string("path");
  o.tokenizer = m.get_string("tokenizer");
  o.text_encoder = m.get_string("text_encoder");
  o.max_sequence_length = m.get_int("max_sequence_length");
  o.frame_rate = m.get_float("frame_rate");
  o.decode_timestep = m.get_float("decode_timestep");
  o.decode_noise_scale = m.get_float("decode_noise_scale");
  o.text_encoder_dtype = m.get_string("text_encoder_dtype");
  o.vae_dtype = m.get_string("vae_dtype");
  o.vae_tiling = m.get_bool("vae_tiling");
  return o;
}

}  // namespace finetrain::ltx_video
