#include "state_dict_adapter.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "finetrain/error.hpp"
#include "key_segments.hpp"

namespace finetrain::ltx_video {
namespace {

// (diffusers, original) module names; top-level ones only match the first path segment.
struct Rename {
  const char* diffusers;
  const char* original;
  bool top_level;
};
constexpr Rename kRenames[] = {
    {"proj_in", "patchify_proj", true},
    {"time_embed", "adaln_single", true},
    {"norm_q", "q_norm", false},
    {"norm_k", "k_norm", false},
};

std::string rename(const std::string& key, bool to_original) {
  if (key.empty()) throw Error("empty state-dict key");
  std::vector<std::string> parts = split_key(key);
  for (size_t i = 0; i < parts.size(); ++i) {
    for (const Rename& r : kRenames) {
      if (r.top_level && i != 0) continue;
      const char* from = to_original ? r.diffusers : r.original;
      const char* to = to_original ? r.original : r.diffusers;
      if (parts[i] == from) {
        parts[i] = to;
        break;
      }
    }
  }
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out += "." + parts[i];
  return out;
}

}  // namespace

std::string LtxStateDictAdapter::from_diffusers(const std::string& key, KeyFormat format) const {
  return format == KeyFormat::Diffusers ? key : rename(key, /*to_original=*/true);
}

std::string LtxStateDictAdapter::to_diffusers(const std::string& key, KeyFormat format) const {
  return format == KeyFormat::Diffusers ? key : rename(key, /*to_original=*/false);
}

}  // namespace finetrain::ltx_video
