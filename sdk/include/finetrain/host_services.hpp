// What the host offers tier-1 plugin code beyond the tier-0 table: services a model or trainer
// needs at run time but must not implement itself (tokenizers live in their own plugins).
#pragma once

#include <memory>
#include <string>

#include "finetrain/export.hpp"
#include "finetrain/tokenizer.hpp"

namespace finetrain {

class FT_SDK_API HostServices {
 public:
  virtual ~HostServices();
  // Opens `model_path` with the tokenizer plugin registered as `kind` (e.g. "sentencepiece").
  // Throws finetrain::Error naming the kind and the available ones when there is none.
  virtual std::unique_ptr<Tokenizer> open_tokenizer(const std::string& kind, const std::string& model_path) = 0;
};

}  // namespace finetrain
