#include "sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "finetrain/plugin.hpp"

namespace finetrain::sentencepiece_plugin {
namespace {

using sentencepiece::SentencePieceProcessor;

SentencePieceProcessor& processor(void* handle) { return *static_cast<SentencePieceProcessor*>(handle); }

ft_status* invalid(const std::string& message) { return ft_status_new(FT_STATUS_INVALID_ARGUMENT, message.c_str()); }

ft_status* failed(const char* what, const sentencepiece::util::Status& status) {
  return ft_status_new(FT_STATUS_RUNTIME_ERROR, (std::string(what) + ": " + status.ToString()).c_str());
}

ft_status* tokenizer_open(void*, const char* model_path, void** handle) noexcept {
  try {
    if (!model_path || !handle) return invalid("open: model_path and handle must not be NULL");
    auto model = std::make_unique<SentencePieceProcessor>();
    if (auto status = model->Load(model_path); !status.ok())
      return ft_status_new(
          FT_STATUS_NOT_FOUND,
          (std::string(model_path) + ": cannot load SentencePiece model: " + status.ToString()).c_str());
    *handle = model.release();
    return nullptr;
  } catch (...) {
    return status_from_current_exception("open");
  }
}

ft_status* tokenizer_encode(void* handle, const char* text, size_t text_len, int64_t* ids, size_t capacity,
                            size_t* count) noexcept {
  try {
    if (!handle || !count || (!text && text_len) || (!ids && capacity)) return invalid("encode: NULL argument");
    std::vector<int> pieces;
    if (auto status = processor(handle).Encode(std::string_view(text ? text : "", text_len), &pieces); !status.ok())
      return failed("encode", status);
    *count = pieces.size();
    std::copy_n(pieces.begin(), std::min(capacity, pieces.size()), ids);
    return nullptr;
  } catch (...) {
    return status_from_current_exception("encode");
  }
}

ft_status* tokenizer_decode(void* handle, const int64_t* ids, size_t n, char* text, size_t capacity,
                            size_t* length) noexcept {
  try {
    if (!handle || !length || (!ids && n) || (!text && capacity)) return invalid("decode: NULL argument");
    const int size = processor(handle).GetPieceSize();
    std::vector<int> pieces(n);
    for (size_t i = 0; i < n; ++i) {
      if (ids[i] < 0 || ids[i] >= size)
        return invalid("decode: id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                       " is outside the vocabulary [0, " + std::to_string(size) + ")");
      pieces[i] = static_cast<int>(ids[i]);
    }
    std::string decoded;
    if (auto status = processor(handle).Decode(pieces, &decoded); !status.ok()) return failed("decode", status);
    *length = decoded.size();
    std::copy_n(decoded.data(), std::min(capacity, decoded.size()), text);
    return nullptr;
  } catch (...) {
    return status_from_current_exception("decode");
  }
}

// SentencePiece answers unk_id() for a piece it does not have; the table promises -1.
int64_t tokenizer_piece_to_id(void* handle, const char* piece) noexcept {
  if (!handle || !piece) return -1;
  try {
    const int id = processor(handle).PieceToId(piece);
    return processor(handle).IdToPiece(id) == piece ? id : -1;
  } catch (...) {
    return -1;
  }
}

int64_t tokenizer_vocab_size(void* handle) noexcept { return handle ? processor(handle).GetPieceSize() : 0; }

void tokenizer_close(void* handle) noexcept { delete static_cast<SentencePieceProcessor*>(handle); }

}  // namespace

const ft_tokenizer_vtable& tokenizer_vtable() {
  static const ft_tokenizer_vtable table = [] {
    ft_tokenizer_vtable t{};
    t.struct_size = sizeof(ft_tokenizer_vtable);
    t.open = &tokenizer_open;
    t.encode = &tokenizer_encode;
    t.decode = &tokenizer_decode;
    t.piece_to_id = &tokenizer_piece_to_id;
    t.vocab_size = &tokenizer_vocab_size;
    t.close = &tokenizer_close;
    t.user_data = nullptr;
    return t;
  }();
  return table;
}

}  // namespace finetrain::sentencepiece_plugin
