#include "diffusion/numpy_ranges.hpp"

#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain::detail {

std::vector<double> numpy_linspace(double start, double stop, int64_t num) {
  if (num < 0) throw Error(fmt::format("linspace: number of samples must be >= 0, got {}", num));
  std::vector<double> y(static_cast<size_t>(num));
  if (num == 0) return y;
  if (num == 1) {
    y[0] = start;
    return y;
  }
  const double delta = stop - start;
  const double div = static_cast<double>(num - 1);
  const double step = delta / div;
  for (int64_t i = 0; i < num; ++i) {
    const double k = static_cast<double>(i);
    // numpy scales by delta / div at once unless that step underflows to zero.
    y[static_cast<size_t>(i)] = (step == 0.0 ? (k / div) * delta : k * step) + start;
  }
  y.back() = stop;
  return y;
}

std::vector<double> numpy_arange(double start, double stop, double step) {
  if (step == 0.0 || !std::isfinite(step)) throw Error(fmt::format("arange: invalid step {}", step));
  const double length = std::ceil((stop - start) / step);
  std::vector<double> y(length > 0 ? static_cast<size_t>(length) : 0);
  if (y.empty()) return y;
  // numpy stores start and start + step, then fills the rest with the increment between those two.
  y[0] = start;
  if (y.size() > 1) y[1] = start + step;
  const double increment = (start + step) - start;
  for (size_t i = 2; i < y.size(); ++i) y[i] = start + static_cast<double>(i) * increment;
  return y;
}

}  // namespace finetrain::detail
