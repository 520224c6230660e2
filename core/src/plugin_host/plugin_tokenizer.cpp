#include "plugin_host/plugin_tokenizer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// Takes ownership of a status the plugin returned; throws its message (call_plugin adds the plugin name).
void throw_if_failed(ft_status* status) {
  if (!status) return;
  std::string message = status->message ? status->message : "(no message)";
  ft_status_release(status);
  throw Error(message);
}

}  // namespace

PluginTokenizer::PluginTokenizer(const ft_tokenizer_vtable* vtable, std::string plugin, void* handle)
    : vtable_(vtable), plugin_(std::move(plugin)), handle_(handle) {}

std::unique_ptr<PluginTokenizer> PluginTokenizer::open(const ComponentInfo& info, const std::string& model_path) {
  const auto* vtable = static_cast<const ft_tokenizer_vtable*>(info.descriptor.c_vtable);
  if (info.kind != FT_PLUGIN_KIND_TOKENIZER || !vtable)
    throw Error(fmt::format("plugin '{}': {} '{}' is not a tokenizer", info.plugin, kind_name(info.kind), info.name));
  void* handle = nullptr;
  call_plugin(info.plugin, "tokenizer open",
              [&] { throw_if_failed(vtable->open(vtable->user_data, model_path.c_str(), &handle)); });
  if (!handle) throw Error(fmt::format("plugin '{}': tokenizer open: {}: no handle returned", info.plugin, model_path));
  return std::unique_ptr<PluginTokenizer>(new PluginTokenizer(vtable, info.plugin, handle));
}

PluginTokenizer::~PluginTokenizer() {
  try {
    call_plugin(plugin_, "tokenizer close", [&] { vtable_->close(handle_); });
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());
  }
}

std::vector<int64_t> PluginTokenizer::encode(const std::string& text) const {
  return call_plugin(plugin_, "tokenizer encode", [&] {
    // A piece covers at least one byte in the usual case; the plugin reports the full count, so a
    // text that normalises into more pieces is encoded again into a buffer of that size.
    std::vector<int64_t> ids(text.size() + 8);
    size_t count = 0;
    throw_if_failed(vtable_->encode(handle_, text.data(), text.size(), ids.data(), ids.size(), &count));
    if (count > ids.size()) {
      ids.resize(count);
      throw_if_failed(vtable_->encode(handle_, text.data(), text.size(), ids.data(), ids.size(), &count));
      if (count != ids.size())
        throw Error(fmt::format("encode returned {} ids, then {} for the same text", ids.size(), count));
    }
    ids.resize(count);
    return ids;
  });
}

std::string PluginTokenizer::decode(const std::vector<int64_t>& ids) const {
  return call_plugin(plugin_, "tokenizer decode", [&] {
    std::string text(ids.size() * 8 + 16, '\0');
    size_t length = 0;
    throw_if_failed(vtable_->decode(handle_, ids.data(), ids.size(), text.data(), text.size(), &length));
    if (length > text.size()) {
      text.resize(length);
      throw_if_failed(vtable_->decode(handle_, ids.data(), ids.size(), text.data(), text.size(), &length));
      if (length != text.size())
        throw Error(fmt::format("decode returned {} bytes, then {} for the same ids", text.size(), length));
    }
    text.resize(length);
    return text;
  });
}

int64_t PluginTokenizer::piece_to_id(const std::string& piece) const {
  return call_plugin(plugin_, "tokenizer piece_to_id", [&] { return vtable_->piece_to_id(handle_, piece.c_str()); });
}

int64_t PluginTokenizer::vocab_size() const {
  return call_plugin(plugin_, "tokenizer vocab_size", [&] { return vtable_->vocab_size(handle_); });
}

}  // namespace finetrain::host
