// Captions -> the transformer's conditions, as the LTX pipelines compute them: T5 tokens (EOS,
// padding to max_sequence_length) through the T5 encoder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "finetrain/t5_encoder.hpp"
#include "finetrain/tensor_map.hpp"
#include "finetrain/tokenizer.hpp"

namespace finetrain::ltx_video {

class TextConditioner {
 public:
  TextConditioner(std::unique_ptr<Tokenizer> tokenizer, std::unique_ptr<T5Encoder> encoder, int64_t max_length);
  // {"encoder_hidden_states": [B, L, D] float32, "encoder_attention_mask": [B, L] bool (true = token)}.
  TensorMap encode(const std::vector<std::string>& captions) const;

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<T5Encoder> encoder_;
  int64_t max_length_;
};

}  // namespace finetrain::ltx_video
