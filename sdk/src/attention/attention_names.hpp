// Names used in attention messages, so every refusal and log line spells dtypes the same way.
#pragma once

#include <c10/core/ScalarType.h>

#include <string>

namespace finetrain {

// "float32", "bfloat16", ... (the names users write in configs), else LibTorch's own name.
inline std::string dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::ScalarType::Double: return "float64";
    case c10::ScalarType::Float: return "float32";
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Half: return "float16";
    default: return c10::toString(dtype);
  }
}

inline bool is_low_precision(c10::ScalarType dtype) {
  return dtype == c10::ScalarType::BFloat16 || dtype == c10::ScalarType::Half;
}

}  // namespace finetrain
