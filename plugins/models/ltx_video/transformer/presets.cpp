#include "transformer/presets.hpp"

#include <fmt/ranges.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video {
namespace {

// Everything but the sizes is shared by every LTX-Video release: in/out 128 latent channels, no
// patching inside the transformer, gelu-approximate feed-forward, RMSNorm across heads on q/k,
// RMSNorm without affine weights (eps 1e-6), T5-XXL captions (4096), biases on every projection.
LtxTransformerConfig released(int64_t layers, int64_t heads, int64_t head_dim) {
  LtxTransformerConfig c;
  c.in_channels = 128;
  c.out_channels = 128;
  c.patch_size = 1;
  c.patch_size_t = 1;
  c.num_attention_heads = heads;
  c.attention_head_dim = head_dim;
  c.cross_attention_dim = heads * head_dim;
  c.num_layers = layers;
  c.activation_fn = "gelu-approximate";
  c.qk_norm = "rms_norm_across_heads";
  c.norm_elementwise_affine = false;
  c.norm_eps = 1e-6;
  c.caption_channels = 4096;
  c.attention_bias = true;
  c.attention_out_bias = true;
  return c;
}

}  // namespace

std::vector<std::string> ltx_transformer_preset_names() { return {"tiny", "ltxv-2b", "ltxv-13b"}; }

LtxTransformerConfig ltx_transformer_preset(const std::string& name) {
  if (name == "tiny") {
    LtxTransformerConfig c = released(/*layers=*/4, /*heads=*/8, /*head_dim=*/32);
    c.in_channels = kTinyLatentChannels;
    c.out_channels = kTinyLatentChannels;
    c.caption_channels = kTinyCaptionChannels;
    return c;
  }
  // diffusers scripts/convert_ltx_to_diffusers.py (@ 58eb52c0) get_transformer_config(): the branch
  // for every version but 0.9.7 (28 layers, 32 heads x 64, cross_attention_dim 2048), i.e. the 2B
  // checkpoints 0.9.0, 0.9.1, 0.9.5 and 0.9.8 (the script's --version choices); 2B 0.9.6 single files
  // load through loaders/single_file_utils.py as "ltx-video-0.9.5" (28 blocks).
  if (name == "ltxv-2b") return released(/*layers=*/28, /*heads=*/32, /*head_dim=*/64);
  // diffusers scripts/convert_ltx_to_diffusers.py get_transformer_config("0.9.7") (48 layers, 32 heads
  // x 128, cross_attention_dim 4096); Lightricks' LTX-Video-Trainer src/ltxv_trainer/model_loader.py
  // _load_ltxv_13b_transformer() uses the same dict for ltxv-13b-0.9.7-{dev,distilled}; diffusers
  // loaders/single_file_utils.py maps every single-file checkpoint with transformer_blocks.47 (13B
  // 0.9.7 and 0.9.8) to the Lightricks/LTX-Video-0.9.7-dev config.
  if (name == "ltxv-13b") return released(/*layers=*/48, /*heads=*/32, /*head_dim=*/128);
  throw Error(fmt::format("unknown LTX-Video transformer preset '{}' (known: {})", name,
                          fmt::join(ltx_transformer_preset_names(), ", ")));
}

}  // namespace finetrain::ltx_video
