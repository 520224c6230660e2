// Static and resolution-dependent shifts of flow-matching sigmas (diffusers' scheduler shift,
// calculate_shift and exponential time_shift).
#include <ATen/core/Tensor.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/reciprocal.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"
#include "finetrain/flow_matching.hpp"

namespace finetrain {

at::Tensor shift_sigmas(const at::Tensor& sigmas, double shift) {
  if (!(shift > 0.0)) throw Error(fmt::format("flow shift must be > 0, got {}", shift));
  return sigmas.mul(shift).div(sigmas.mul(shift - 1).add(1));
}

double resolution_shift_mu(int64_t seq_len, int64_t base_seq_len, int64_t max_seq_len, double base_shift,
                           double max_shift) {
  if (max_seq_len == base_seq_len)
    throw Error(fmt::format("resolution-dependent shift needs max_seq_len != base_seq_len (both {})", base_seq_len));
  const double m = (max_shift - base_shift) / static_cast<double>(max_seq_len - base_seq_len);
  const double b = base_shift - m * static_cast<double>(base_seq_len);
  return static_cast<double>(seq_len) * m + b;
}

at::Tensor time_shift_exponential(const at::Tensor& t, double mu, double sigma) {
  const double e = std::exp(mu);
  const at::Tensor odds = at::pow(at::reciprocal(t).sub(1), sigma);  // (1 / t - 1) ** sigma
  return at::full_like(t, e).div(odds.add(e));
}

at::Tensor FlowShift::apply(const at::Tensor& sigmas, int64_t seq_len) const {
  switch (kind) {
    case Kind::None:
      return sigmas;
    case Kind::Static:
      return shift_sigmas(sigmas, shift);
    case Kind::ResolutionDependent:
      if (seq_len <= 0)
        throw Error(fmt::format("resolution-dependent shift needs the sequence length, got {}", seq_len));
      return time_shift_exponential(sigmas,
                                    resolution_shift_mu(seq_len, base_seq_len, max_seq_len, base_shift, max_shift));
  }
  return sigmas;
}

}  // namespace finetrain
