#include "finetrain/byte_tokenizer.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain {
namespace {
constexpr int64_t kSpecialTokens = 3;  // <pad>, </s>, <unk>
}  // namespace

std::vector<int64_t> ByteTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (unsigned char byte : text) ids.push_back(static_cast<int64_t>(byte) + kSpecialTokens);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error(fmt::format("byte tokenizer: id {} is outside [0, {})", id, vocab_size()));
    if (id >= kSpecialTokens) text += static_cast<char>(id - kSpecialTokens);
  }
  return text;
}

int64_t ByteTokenizer::piece_to_id(const std::string& piece) const {
  if (piece == "<pad>") return 0;
  if (piece == "</s>") return 1;
  if (piece == "<unk>") return 2;
  return -1;
}

}  // namespace finetrain
