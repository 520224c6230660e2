#include "state_dict_adapter.hpp"

#include <finetrain/error.hpp>

#include <regex>
#include <vector>

namespace toy_pixel {

namespace {

// One module in both layouts; '#' stands for a block index.
struct ModuleName {
  const char* diffusers;
  const char* original;
};

constexpr ModuleName kModules[] = {
    {"proj_in", "x_embedder"},
    {"pos_embed.proj", "pos_embedder"},
    {"time_embed.linear_1", "t_embedder.mlp.0"},
    {"time_embed.linear_2", "t_embedder.mlp.2"},
    {"context_embedder", "y_embedder"},
    {"transformer_blocks.#.norm1.linear", "blocks.#.adaLN_modulation.1"},
    {"transformer_blocks.#.ff.net.0.proj", "blocks.#.mlp.fc1"},
    {"transformer_blocks.#.ff.net.2", "blocks.#.mlp.fc2"},
    {"norm_out.linear", "final_layer.adaLN_modulation.1"},
    {"proj_out", "final_layer.linear"},
};

// The two name systems of the table: ComfyUI reads the original layout.
enum Layout { kDiffusersLayout = 0, kOriginalLayout = 1 };

Layout layout_of(finetrain::KeyFormat format) {
  return format == finetrain::KeyFormat::Diffusers ? kDiffusersLayout : kOriginalLayout;
}

const char* format_name(finetrain::KeyFormat format) {
  switch (format) {
    case finetrain::KeyFormat::Diffusers: return "diffusers";
    case finetrain::KeyFormat::Original: return "original";
    case finetrain::KeyFormat::Comfy: return "comfy";
  }
  return "?";
}

// A module name as a template ("blocks.#.mlp.fc1") and as a pattern over full keys that captures
// the block index (when there is one) and the rest of the key (".weight", ".lora_A.weight", ...).
struct ModulePattern {
  std::string name;
  bool indexed;
  std::regex key;

  explicit ModulePattern(const std::string& module) : name(module), indexed(module.find('#') != std::string::npos) {
    std::string pattern = "^";
    for (char c : module)
      pattern += c == '.' ? std::string("\\.") : c == '#' ? std::string("(\\d+)") : std::string(1, c);
    key = std::regex(pattern + "\\.(.+)$");
  }

  std::string with_index(const std::string& index) const {
    std::string out = name;
    if (indexed) out.replace(out.find('#'), 1, index);
    return out;
  }
};

struct Row {
  ModulePattern layouts[2];
};

const std::vector<Row>& rows() {
  static const std::vector<Row> table = [] {
    std::vector<Row> out;
    for (const ModuleName& m : kModules) out.push_back(Row{{ModulePattern(m.diffusers), ModulePattern(m.original)}});
    return out;
  }();
  return table;
}

std::string convert(const std::string& key, finetrain::KeyFormat from_format, finetrain::KeyFormat to_format) {
  const Layout from = layout_of(from_format), to = layout_of(to_format);
  for (const Row& row : rows()) {
    std::smatch match;
    if (!std::regex_match(key, match, row.layouts[from].key)) continue;
    const std::string index = row.layouts[from].indexed ? match[1].str() : "";
    const std::string rest = match[row.layouts[from].indexed ? 2 : 1].str();
    return row.layouts[to].with_index(index) + "." + rest;
  }
  throw finetrain::Error(std::string("toy-pixel: '") + key + "' is not a " + format_name(from_format) +
                         " key of the toy-pixel transformer, so it has no " + format_name(to_format) + " name");
}

}  // namespace

std::string ToyPixelStateDictAdapter::from_diffusers(const std::string& key, finetrain::KeyFormat format) const {
  return convert(key, finetrain::KeyFormat::Diffusers, format);
}

std::string ToyPixelStateDictAdapter::to_diffusers(const std::string& key, finetrain::KeyFormat format) const {
  return convert(key, format, finetrain::KeyFormat::Diffusers);
}

}  // namespace toy_pixel
