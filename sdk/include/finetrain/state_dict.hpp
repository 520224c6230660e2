// Moving weights between checkpoints and modules by name, tensor by tensor, so loading a model
// never needs twice its memory. Strict by default: missing and unexpected keys are reported as a
// readable diff.
#pragma once

#include <c10/core/ScalarType.h>

#include <functional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/tensor_map.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

// Where weights come from: names and a getter (a safetensors Checkpoint, a TensorMap, ...).
struct FT_SDK_API TensorSource {
  std::vector<std::string> names;
  std::function<at::Tensor(const std::string&)> get;

  static TensorSource from_map(const TensorMap& map);
  static TensorSource from_checkpoint(const std::string& path);  // safetensors file / index / dir
  // Renames every key with `rename` (returns "" to drop a key), e.g. an original->diffusers adapter.
  TensorSource renamed(const std::function<std::string(const std::string&)>& rename) const;
  // Keeps only keys starting with `prefix`, with the prefix removed ("transformer.").
  TensorSource with_prefix_removed(const std::string& prefix) const;
};

struct FT_SDK_API LoadReport {
  std::vector<std::string> missing;     // in the module, not in the source
  std::vector<std::string> unexpected;  // in the source, not in the module
  std::vector<std::string> mismatched;  // "name: checkpoint [a, b], model [c, d]"
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // Readable diff: counts, then the names (first 20 of each list).
  std::string describe() const;
};

// Parameters and buffers of a module by their full dotted names.
FT_SDK_API TensorMap module_state(const torch::nn::Module& module);

// Copies every tensor of `source` into the same-named parameter or buffer of `module`, casting to
// the module tensor's dtype and device, one tensor at a time. With strict = true any missing,
// unexpected or shape-mismatched key throws finetrain::Error carrying LoadReport::describe()
// prefixed by `label`; otherwise the report is returned.
FT_SDK_API LoadReport load_state(torch::nn::Module& module, const TensorSource& source, bool strict,
                                 const std::string& label);

}  // namespace finetrain
