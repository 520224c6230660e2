#include "parity/compare_tensors.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace finetrain::host {

ParityRow compare_tensors(const std::string& name, const at::Tensor& ours, const at::Tensor& ref,
                          const Tolerance& tol) {
  ParityRow row;
  row.tensor = name;
  row.tolerance = tol;
  const at::Tensor b = ref.detach().to(at::kDouble);
  row.max_ref = b.numel() ? b.abs().max().item<double>() : 0.0;
  row.bound = tol.bound(row.max_ref);
  if (!ours.defined()) {
    row.error = "not produced";
    return row;
  }
  if (ours.sizes() != ref.sizes()) {
    row.error = fmt::format("shape [{}], reference [{}]", fmt::join(ours.sizes(), ", "), fmt::join(ref.sizes(), ", "));
    return row;
  }
  const at::Tensor a = ours.detach().to(at::kCPU).to(at::kDouble);
  row.max_abs_diff = b.numel() ? a.sub(b).abs().max().item<double>() : 0.0;
  row.passed = row.max_abs_diff <= row.bound;  // NaN compares false
  return row;
}

}  // namespace finetrain::host
