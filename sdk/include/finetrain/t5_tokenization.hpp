// T5 tokenization as the diffusion pipelines call it (LTX-Video, Wan): transformers'
// T5TokenizerFast(texts, padding="max_length", max_length=N, truncation=True, add_special_tokens=True).
// Each text becomes its SentencePiece ids, cut to N - 1 when longer, then "</s>", then "<pad>" up
// to N; the attention mask is 1 on the ids and "</s>", 0 on the padding.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/tokenizer.hpp"

namespace finetrain {

struct FT_SDK_API T5TokenizedBatch {
  at::Tensor input_ids;       // int64 [batch, max_length]
  at::Tensor attention_mask;  // int64 [batch, max_length], 1 = token, 0 = padding
};

// The pipelines' default length (LTX-Video max_sequence_length; Wan uses 512).
constexpr int64_t kT5DefaultMaxLength = 128;

// Throws finetrain::Error when the tokenizer has no "</s>" or "<pad>" piece or max_length < 1.
FT_SDK_API T5TokenizedBatch t5_tokenize(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                                        int64_t max_length = kT5DefaultMaxLength);

}  // namespace finetrain
