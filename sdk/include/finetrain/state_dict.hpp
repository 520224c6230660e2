// Moving weights between checkpoints and modules by name, tensor by tensor, so loading a model
// never needs twice its memory. Strict by default: missing, unexpected and mismatched keys are
// reported as a readable diff.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/tensor_map.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

// Where weights come from: names and a getter (a safetensors checkpoint, a TensorMap, ...).
// get() of a name not in `names` throws finetrain::Error.
struct FT_SDK_API TensorSource {
  std::vector<std::string> names;
  std::function<at::Tensor(const std::string&)> get;

  static TensorSource from_map(const TensorMap& map);
  // A safetensors file / index / directory. get() reads one owned tensor per call (File::read),
  // so a load's resident memory grows by one tensor at a time, never by the whole file.
  static TensorSource from_checkpoint(const std::string& path);
  // Renames every key with `rename` (returning "" drops the key), e.g. an original->diffusers
  // adapter. Two keys renamed to the same name throw finetrain::Error naming both.
  TensorSource renamed(const std::function<std::string(const std::string&)>& rename) const;
  // Keeps only keys starting with `prefix`, with the prefix removed ("transformer.").
  TensorSource with_prefix_removed(const std::string& prefix) const;
};

struct FT_SDK_API LoadReport {
  std::vector<std::string> missing;     // in the module, not in the source (sorted)
  std::vector<std::string> unexpected;  // in the source, not in the module (sorted)
  // "name: checkpoint [a, b], model [c, d]" for shapes; "name: checkpoint Long, model Float
  // (...)" for dtypes that cannot be cast (floating point <-> integer <-> bool <-> complex).
  std::vector<std::string> mismatched;
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // Readable diff: counts, then the names (first 20 of each list).
  std::string describe() const;
};

// Parameters and buffers of a module by their full dotted names.
FT_SDK_API TensorMap module_state(const torch::nn::Module& module);

// Copies every tensor of `source` into the same-named parameter or buffer of `module`, casting to
// the module tensor's dtype and device, one tensor at a time. Mismatched tensors are never copied.
// With strict = true, a non-empty report throws finetrain::Error("<label>: state dict does not
// match: " + LoadReport::describe()): missing or unexpected keys before anything is copied, a
// mismatch once the other tensors are in. Otherwise the report is returned.
FT_SDK_API LoadReport load_state(torch::nn::Module& module, const TensorSource& source, bool strict,
                                 const std::string& label);

}  // namespace finetrain
