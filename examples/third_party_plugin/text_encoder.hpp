// The toy-pixel condition encoder, "ToyPixelTextEncoder": a caption is split into words, each word
// hashed into one of vocab_size - 1 buckets (id 0 is padding), and each id looks up a learned-once,
// frozen embedding. The denoiser pools the words, so the caption acts as a bag of words.
#pragma once

#include <ATen/core/Tensor.h>
#include <finetrain/tensor_map.hpp>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "component_configs.hpp"
#include "layers.hpp"

namespace toy_pixel {

// Words are maximal runs of ASCII letters and digits or non-ASCII bytes (so UTF-8 words stay whole),
// lower-cased; each maps to 1 + FNV-1a-64(word) mod (vocab_size - 1).
class HashedWordTokenizer {
 public:
  explicit HashedWordTokenizer(int64_t vocab_size);
  std::vector<int64_t> encode(const std::string& text) const;

 private:
  int64_t vocab_size_;
};

class ToyPixelTextEncoder : public torch::nn::Module {
 public:
  explicit ToyPixelTextEncoder(const TextEncoderConfig& config);
  const TextEncoderConfig& config() const { return config_; }

  // input_ids [B, L] (0 = padding) -> last_hidden_state [B, L, hidden_size], zero at padding.
  at::Tensor forward(const at::Tensor& input_ids) const;

  // Captions -> "encoder_hidden_states" [B, max_length, hidden_size] and "encoder_attention_mask"
  // [B, max_length] (int64, 1 = word), on the module's device and dtype.
  finetrain::TensorMap encode(const std::vector<std::string>& captions) const;

 private:
  TextEncoderConfig config_;
  HashedWordTokenizer tokenizer_;
  std::shared_ptr<Embedding> embed_tokens_;
};

}  // namespace toy_pixel
