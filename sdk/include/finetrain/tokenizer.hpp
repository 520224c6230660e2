// Tier-1 view of a tokenizer. Tokenizer plugins themselves speak plain C (ft_tokenizer_vtable in
// host_api.h); the host wraps them in this interface and hands it to model plugins through
// HostServices::open_tokenizer().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

class FT_SDK_API Tokenizer {
 public:
  virtual ~Tokenizer();
  // Ids for UTF-8 text, without special tokens.
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  // Id of a piece such as "</s>"; -1 when the vocabulary has none.
  virtual int64_t piece_to_id(const std::string& piece) const = 0;
  virtual int64_t vocab_size() const = 0;
};

}  // namespace finetrain
