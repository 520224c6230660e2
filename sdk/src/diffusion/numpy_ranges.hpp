// numpy's linspace and float arange, reproduced operation by operation: diffusers builds its
// scheduler grids with them, and their rounding differs from at::linspace / at::arange.
#pragma once

#include <cstdint>
#include <vector>

namespace finetrain::detail {

// np.linspace(start, stop, num) in float64: start + i * ((stop - start) / (num - 1)), last = stop.
std::vector<double> numpy_linspace(double start, double stop, int64_t num);

// np.arange(start, stop, step) in float64: start, start + step, then start + i * ((start + step) - start),
// ceil((stop - start) / step) values.
std::vector<double> numpy_arange(double start, double stop, double step);

}  // namespace finetrain::detail
