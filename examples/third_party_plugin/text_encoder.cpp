#include "text_encoder.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <finetrain/error.hpp>

#include <algorithm>

namespace toy_pixel {

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

uint64_t fnv1a_64(const std::string& bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

HashedWordTokenizer::HashedWordTokenizer(int64_t vocab_size) : vocab_size_(vocab_size) {
  if (vocab_size < 2)
    throw finetrain::Error("ToyPixelTextEncoder: vocab_size must be at least 2, found " + std::to_string(vocab_size));
}

std::vector<int64_t> HashedWordTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    ids.push_back(1 + static_cast<int64_t>(fnv1a_64(word) % static_cast<uint64_t>(vocab_size_ - 1)));
    word.clear();
  };
  for (unsigned char c : text) {
    if (!is_word_byte(c)) {
      flush();
      continue;
    }
    word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  flush();
  return ids;
}

ToyPixelTextEncoder::ToyPixelTextEncoder(const TextEncoderConfig& config)
    : config_(config), tokenizer_(config.vocab_size) {
  embed_tokens_ = register_module("embed_tokens", std::make_shared<Embedding>(config.vocab_size, config.hidden_size));
}

at::Tensor ToyPixelTextEncoder::forward(const at::Tensor& input_ids) const {
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.scalar_type() != at::kLong)
    throw finetrain::Error("ToyPixelTextEncoder: 'input_ids' must be an int64 tensor [B, L]");
  at::Tensor words = (input_ids != 0).unsqueeze(-1);
  at::Tensor hidden = embed_tokens_->forward(input_ids);
  return hidden * words.to(hidden.scalar_type());
}

finetrain::TensorMap ToyPixelTextEncoder::encode(const std::vector<std::string>& captions) const {
  const auto batch = static_cast<int64_t>(captions.size());
  at::Tensor ids = at::zeros({batch, config_.max_length}, at::kLong);
  auto ids_a = ids.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> words = tokenizer_.encode(captions[b]);
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(words.size()), config_.max_length);
    for (int64_t i = 0; i < n; ++i) ids_a[b][i] = words[i];
  }
  ids = ids.to(embed_tokens_->weight().device());
  return {{"encoder_hidden_states", forward(ids)}, {"encoder_attention_mask", (ids != 0).to(at::kLong)}};
}

}  // namespace toy_pixel
