// ByT5's tokenizer: UTF-8 bytes as ids (byte + 3), with <pad> = 0, </s> = 1, <unk> = 2.
// Needs no vocabulary file, so models built from random weights (the `tiny` presets) have a real,
// lossless tokenizer without any download.
#pragma once

#include "finetrain/export.hpp"
#include "finetrain/tokenizer.hpp"

namespace finetrain {

class FT_SDK_API ByteTokenizer final : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& text) const override;
  // Special ids are skipped; ids outside the vocabulary are an error.
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t piece_to_id(const std::string& piece) const override;  // "<pad>", "</s>", "<unk>"; else -1
  int64_t vocab_size() const override { return 259; }
};

}  // namespace finetrain
