#include "finetrain/t5_tokenization.hpp"

#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include <algorithm>

#include "finetrain/error.hpp"

namespace finetrain {
namespace {

int64_t required_piece(const Tokenizer& tokenizer, const char* piece) {
  const int64_t id = tokenizer.piece_to_id(piece);
  if (id < 0) throw Error(fmt::format("T5 tokenization: the tokenizer has no '{}' piece", piece));
  return id;
}

}  // namespace

T5TokenizedBatch t5_tokenize(const Tokenizer& tokenizer, const std::vector<std::string>& texts, int64_t max_length) {
  if (max_length < 1) throw Error(fmt::format("T5 tokenization: max_length must be at least 1, found {}", max_length));
  const int64_t eos = required_piece(tokenizer, "</s>");
  const int64_t pad = required_piece(tokenizer, "<pad>");
  const auto batch = static_cast<int64_t>(texts.size());

  T5TokenizedBatch out;
  out.input_ids = at::full({batch, max_length}, pad, at::TensorOptions().dtype(at::kLong));
  out.attention_mask = at::zeros({batch, max_length}, at::TensorOptions().dtype(at::kLong));
  auto ids = out.input_ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  for (int64_t row = 0; row < batch; ++row) {
    const std::vector<int64_t> pieces = tokenizer.encode(texts[row]);
    // truncation=True keeps room for the EOS that add_special_tokens appends.
    const auto kept = std::min<int64_t>(static_cast<int64_t>(pieces.size()), max_length - 1);
    for (int64_t i = 0; i < kept; ++i) ids[row][i] = pieces[i];
    ids[row][kept] = eos;
    for (int64_t i = 0; i <= kept; ++i) mask[row][i] = 1;
  }
  return out;
}

}  // namespace finetrain
