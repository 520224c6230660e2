#include "text_conditioning.hpp"

#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "finetrain/t5_tokenization.hpp"

namespace finetrain::ltx_video {

TextConditioner::TextConditioner(std::unique_ptr<Tokenizer> tokenizer, std::unique_ptr<T5Encoder> encoder,
                                 int64_t max_length)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)), max_length_(max_length) {
  const int64_t vocab = tokenizer_->vocab_size();
  if (vocab > encoder_->config().vocab_size)
    throw Error(fmt::format("the tokenizer has {} pieces but the text encoder's vocabulary has {} rows", vocab,
                            encoder_->config().vocab_size));
}

TensorMap TextConditioner::encode(const std::vector<std::string>& captions) const {
  c10::AutoGradMode no_grad(false);
  T5TokenizedBatch tokens = t5_tokenize(*tokenizer_, captions, max_length_);
  at::Tensor hidden = encoder_->encode(tokens.input_ids, tokens.attention_mask);
  return {{"encoder_hidden_states", hidden.to(at::kFloat)},
          {"encoder_attention_mask", tokens.attention_mask.to(at::kBool)}};
}

}  // namespace finetrain::ltx_video
