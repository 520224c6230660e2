// The T5 / UMT5 text encoder (Hugging Face transformers' T5EncoderModel and UMT5EncoderModel),
// shared by the model families that condition on T5 (LTX-Video: T5 v1.1 XXL; Wan: UMT5 XXL).
//
// Parameter names are transformers' exactly ("shared.weight", "encoder.block.0.layer.0.SelfAttention.q.weight",
// ...), so released checkpoints load unchanged. Semantics follow transformers: RMS layer norm with
// the variance in float32, attention without 1/sqrt(d) scaling plus a bucketed relative position
// bias (T5: one table in block 0 shared by every block; UMT5: one table per block), gated-GELU or
// ReLU feed-forward, dropout in training mode only.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <string>

#include "finetrain/export.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/state_dict.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

enum class T5Variant {
  T5,    // model_type "t5": relative attention bias in block 0 only, shared by all blocks
  UMT5,  // model_type "umt5": every block has its own relative attention bias
};

enum class T5Activation { Relu, Gelu, GeluNew, Silu };

// The encoder half of a transformers T5Config / UMT5Config.
struct FT_SDK_API T5EncoderConfig {
  T5Variant variant = T5Variant::T5;
  int64_t vocab_size = 32128;
  int64_t d_model = 512;
  int64_t d_kv = 64;  // per head; heads * d_kv may differ from d_model
  int64_t d_ff = 2048;
  int64_t num_heads = 8;
  int64_t num_layers = 6;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  double dropout_rate = 0.1;
  // transformers' feed_forward_proj "[gated-]act": "relu" -> wo(relu(wi(h))); "gated-gelu" ->
  // wo(gelu_new(wi_0(h)) * wi_1(h)) with the tanh-approximated GELU.
  bool gated = false;
  T5Activation activation = T5Activation::Relu;

  // Parses a transformers config.json (model_type "t5" or "umt5"); absent keys take transformers'
  // defaults for that model type. `label` (the file) prefixes every error.
  static T5EncoderConfig from_json(const std::string& json_text, const std::string& label);
};

// Bucket of each relative position (key - query, int64) as transformers' encoder (bidirectional)
// T5Attention._relative_position_bucket computes it, in float32 with the same op order, so the
// logarithmic buckets match exactly.
FT_SDK_API at::Tensor t5_relative_position_bucket(const at::Tensor& relative_position, int64_t num_buckets,
                                                  int64_t max_distance);

class FT_SDK_API T5Encoder {
 public:
  // Allocates parameters of `dtype` on `device` without initialising them: call load() or
  // init_random() before encode(). dtype: float32, float64 or bfloat16 (float16 overflows in
  // T5 v1.1 without transformers' fp16 clamping and is refused).
  T5Encoder(const T5EncoderConfig& config, c10::ScalarType dtype = c10::kFloat,
            c10::Device device = c10::Device(c10::kCPU));
  ~T5Encoder();
  T5Encoder(const T5Encoder&) = delete;
  T5Encoder& operator=(const T5Encoder&) = delete;

  const T5EncoderConfig& config() const;
  // The module tree; named_parameters() carry transformers' names, with the tied token embedding
  // once, as "shared.weight". It starts in eval mode; train()/eval() switch dropout.
  torch::nn::Module& module();

  // Loads weights by transformers' names, strictly: "encoder.embed_tokens.weight" is accepted as
  // the tied alias of "shared.weight" (either or both; "shared.weight" wins), "decoder.*" and
  // "lm_head.weight" of a full seq2seq checkpoint are ignored as transformers' T5EncoderModel
  // does; any other missing, unexpected or mis-shaped key throws naming `label`. Values are cast
  // to the encoder's dtype (e.g. bf16 checkpoints into a float32 encoder).
  void load(const TensorSource& source, const std::string& label);
  // transformers' _init_weights scales (factor 1.0), drawn from a generator seeded with `seed`.
  void init_random(uint64_t seed);

  // input_ids int64 [B, L]; attention_mask [B, L] (bool or integer, 1 = token, 0 = padding) or
  // undefined for "all tokens". Returns last_hidden_state [B, L, d_model] for every position
  // (padded query rows included: the mask only hides padded keys).
  at::Tensor encode(const at::Tensor& input_ids, const at::Tensor& attention_mask = at::Tensor()) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A transformers text-encoder directory (config.json + model.safetensors or sharded
// model-*.safetensors with model.safetensors.index.json), e.g. a diffusers repository's
// `text_encoder/`, built and loaded in `dtype` on `device`.
FT_SDK_API std::unique_ptr<T5Encoder> load_t5_encoder(const std::string& directory, c10::ScalarType dtype,
                                                      c10::Device device);

// Builders for `finetrain check-parity` and the parity tests: class "T5EncoderModel" and
// "UMT5EncoderModel"; run(inputs {input_ids, attention_mask}) -> {"last_hidden_state"}. Their
// module() also answers to the tied alias "encoder.embed_tokens.weight", as transformers'
// state_dict() does, so a strict load of a saved state dict succeeds.
FT_SDK_API ComponentBuilder t5_encoder_component_builder();
FT_SDK_API ComponentBuilder umt5_encoder_component_builder();

}  // namespace finetrain
