// SentencePiece tokenizer plugin: declaration and registration.
#include <finetrain/plugin.hpp>

#include "sentencepiece_tokenizer.hpp"

FT_DEFINE_MANIFEST_WITH_FLAGS(FT_PLUGIN_KIND_TOKENIZER, FT_MANIFEST_FLAG_DEEPBIND, "sentencepiece", "0.1.0",
                              "SentencePiece tokenizer (T5, UMT5) through libsentencepiece");

static void register_components(finetrain::PluginRegistrar& registrar) {
  registrar.add_tokenizer("sentencepiece", "0.1.0", "SentencePiece model files (*.model, spiece.model)",
                          &finetrain::sentencepiece_plugin::tokenizer_vtable());
}

FT_PLUGIN_ENTRY_POINTS(register_components)
