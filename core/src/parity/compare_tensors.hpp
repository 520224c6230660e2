// The one comparison every parity row uses.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "parity/parity_report.hpp"

namespace finetrain::host {

// Compares `ours` with `ref` in float64: max|ours - ref| <= tol.atol + tol.rtol * max|ref|. An
// undefined `ours` or a shape mismatch gives a failed row with `error` set; a NaN never passes.
ParityRow compare_tensors(const std::string& name, const at::Tensor& ours, const at::Tensor& ref, const Tolerance& tol);

}  // namespace finetrain::host
