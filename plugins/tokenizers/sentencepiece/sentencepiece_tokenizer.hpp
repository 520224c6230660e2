// The plain-C tokenizer table over sentencepiece::SentencePieceProcessor. Only the C table leaves
// this plugin: SentencePiece (and its bundled protobuf) stays behind RTLD_DEEPBIND.
#pragma once

#include "finetrain/host_api.h"

namespace finetrain::sentencepiece_plugin {

const ft_tokenizer_vtable& tokenizer_vtable();

}  // namespace finetrain::sentencepiece_plugin
