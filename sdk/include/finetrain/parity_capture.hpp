// Named intermediate tensors for parity debugging. Model code marks a few module outputs
// (capture_intermediate("transformer_blocks.0", hidden)) with diffusers' module path as the name;
// the call is a thread-local flag check unless a ParityCapture scope is active, so it costs nothing
// in training. `finetrain check-parity` compares these to a fixture's `aux.*` tensors to name the
// first module that diverges.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

class FT_SDK_API ParityCapture {
 public:
  ParityCapture();   // starts capturing on this thread
  ~ParityCapture();  // stops
  ParityCapture(const ParityCapture&) = delete;
  ParityCapture& operator=(const ParityCapture&) = delete;

  // In capture order. A name seen again gets ".call<k>" (k = 1, 2, ...) appended, and the first
  // occurrence is also kept under "<name>.call0", matching the fixtures' aux naming.
  const std::vector<std::pair<std::string, at::Tensor>>& tensors() const { return tensors_; }

 private:
  friend FT_SDK_API void capture_intermediate(const std::string& name, const at::Tensor& value);
  std::vector<std::pair<std::string, at::Tensor>> tensors_;
  std::map<std::string, size_t> calls_;
  ParityCapture* previous_;
};

FT_SDK_API bool capture_active();
// Records a detached copy of `value` under `name` when a ParityCapture is active on this thread.
FT_SDK_API void capture_intermediate(const std::string& name, const at::Tensor& value);

}  // namespace finetrain
