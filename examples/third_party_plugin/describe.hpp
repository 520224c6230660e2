// Text for error messages: what a tensor or a set of named tensors looks like.
#pragma once

#include <ATen/core/Tensor.h>
#include <finetrain/tensor_map.hpp>

#include <string>

namespace toy_pixel {

// "Float [2, 3, 1, 8, 8]", or "an undefined tensor".
inline std::string describe(const at::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::string s = std::string(c10::toString(t.scalar_type())) + " [";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// "a, b, c" of the names, or "(none)".
inline std::string describe(const finetrain::TensorMap& tensors) {
  std::string s;
  for (const auto& entry : tensors) s += (s.empty() ? "" : ", ") + entry.first;
  return s.empty() ? "(none)" : s;
}

}  // namespace toy_pixel
